import type { Handler } from '../context.ts';

export const ping: Handler<'ping'> = async () => ({ ts: new Date().toISOString() });

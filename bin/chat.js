#!/usr/bin/env node
// The `chat` binary. The code is TypeScript run through tsx, so a clone works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');

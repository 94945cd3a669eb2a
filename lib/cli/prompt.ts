import { UsageError } from './errors.ts';

/**
 * Asks for a secret on the terminal without echoing it: the terminal is put in raw mode, so
 * nothing typed is shown, and restored afterwards. Enter ends the answer, Backspace deletes,
 * Ctrl-C and Ctrl-D give up.
 */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    let text = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.setEncoding('utf8');
    const finish = (fn: () => void) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(text));
        if (ch === '\u0003' || ch === '\u0004') return finish(() => reject(new UsageError('cancelled')));
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else if (ch >= ' ') text += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

import { execFile } from 'node:child_process';

export class ToolMissingError extends Error {
  constructor(readonly tool: string, readonly hint: string) {
    super(`${tool} was not found: ${hint}`);
    this.name = 'ToolMissingError';
  }
}

/** Runs a command without a shell; resolves with stdout, rejects with stderr in the message. */
export function runTool(cmd: string, args: string[], hint: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(new ToolMissingError(cmd, hint));
        else reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
        return;
      }
      resolve(stdout);
    });
  });
}

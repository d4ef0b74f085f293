#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { dataCommands } from './commands/data';
import { monitoringCommands } from './commands/monitoring';
import { quickstartCommands } from './commands/quickstart';
import { registryCommands } from './commands/registry';
import { servingCommands } from './commands/serving';
import { statusCommands } from './commands/status';
import { trainingCommands } from './commands/training';
import { CliError } from './core/cli-error';
import { type CommandModule, type Context } from './core/context';
import { EXIT } from './core/exit-codes';
import { positiveInt } from './core/numbers';
import { createOutput } from './core/output';
import { Platform, SERVICES, type ServiceName } from './core/platform';

const COMMANDS: CommandModule[] = [statusCommands, quickstartCommands, dataCommands, trainingCommands, registryCommands, servingCommands, monitoringCommands];

/** `mlops`: the platform from a terminal. Human-readable tables by default, `--json` for scripts, exit codes per kind of failure. */
export function program(): { cli: Command; close: () => void } {
  const root = new Command('mlops')
    .description('the MLOps platform from the command line: data, features, training, registry, serving, monitoring')
    .option('--json', 'print JSON instead of tables')
    .option('--token <jwt>', 'bearer token (default: MLOPS_TOKEN, or one signed with the local platform secret)')
    .addOption(new Option('--as <role>', 'role of the locally signed token').choices(['viewer', 'contributor', 'approver', 'admin']).default('admin'))
    .option('--subject <name>', 'who the locally signed token speaks for (default: cli:<your user>)')
    .option('--timeout <ms>', 'deadline of each call', (v) => positiveInt(v, '--timeout'), 30_000)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const service of Object.keys(SERVICES)) root.option(`--${service}-address <host:port>`, `${service} service (default: MLOPS_${service.toUpperCase()}_ADDRESS or 127.0.0.1:${SERVICES[service as ServiceName].port})`);

  let context: Context | undefined;
  const contextOf = (): Context => {
    if (context) return context;
    const o = root.opts<Record<string, string | number | boolean | undefined>>();
    const addresses = Object.fromEntries(Object.keys(SERVICES).flatMap((s) => (o[`${s}Address`] ? [[s, String(o[`${s}Address`])]] : [])));
    context = {
      platform: new Platform({ addresses, token: o.token as string | undefined, role: o.as as 'admin', subject: o.subject as string | undefined, timeoutMs: o.timeout as number }),
      out: createOutput(Boolean(o.json)),
    };
    return context;
  };
  for (const add of COMMANDS) add(root, contextOf);
  return { cli: root, close: () => context?.platform.close() };
}


/** Runs the CLI; resolves to the exit code (failures are printed in one line on stderr). */
export async function run(argv: string[]): Promise<number> {
  const { cli, close } = program();
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully; commander has already printed what it had to.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`mlops: ${(error as Error).message}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.failure;
  } finally {
    close();
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

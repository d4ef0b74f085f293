import { type Command } from 'commander';
import { type Output } from './output';
import { type Platform } from './platform';

/** What a command runs with: the platform's clients and the output in the chosen form. */
export interface Context {
  platform: Platform;
  out: Output;
}

/** Each command file adds its commands to the program; they get their context when they run. */
export type CommandModule = (program: Command, context: () => Context) => void;

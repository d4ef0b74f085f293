import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { type DataContract, parseSemVer } from '../domain/contract';
import { DocumentError } from '@mlops/documents';
import { canonicalContract, parseContractDocument } from '../domain/contract-document';
import { type ContractDiff, decideApply, diffContracts } from '../domain/contract-diff';
import { decodeJson, type RecordDecoder } from '../domain/batch';
import { compileProtobufDecoder } from '../domain/protobuf-decoder';
import { compileValidator, type RecordValidator } from '../domain/record-validator';
import { toContractAppliedEvent } from '../ingestion.mapper';
import { ContractRepository, type StoredContract } from './contract.repository';

export interface ApplyResult {
  stored: StoredContract;
  diff?: ContractDiff;
  applied: boolean;
  previousVersion: string;
}

@Injectable()
export class ContractService {
  private readonly validators = new Map<string, RecordValidator>();
  private readonly decoders = new Map<string, RecordDecoder>();

  constructor(
    private readonly contracts: ContractRepository,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /** Parses, checks and (unless a dry run) stores a new contract version with its event, atomically. */
  async apply(document: string, options: { dryRun: boolean; actor: string }): Promise<ApplyResult> {
    const contract = parse(document);
    const format = document.trimStart().startsWith('{') ? 'json' : 'yaml';
    const digest = `sha256:${createHash('sha256').update(canonicalContract(contract)).digest('hex')}`;
    return this.transaction(async (tx) => {
      await this.contracts.lockDataset(tx, contract.dataset);
      const latest = await this.contracts.latest(contract.dataset, tx);
      const decision = decideApply(latest?.contract, contract);
      const previousVersion = latest?.contract.version ?? '';
      switch (decision.outcome) {
        case 'refused':
          throw new RpcError(
            status.FAILED_PRECONDITION,
            decision.reason,
            decision.field ? [{ field: `fields.${decision.field}`, description: decision.reason }] : [{ field: 'version', description: decision.reason }],
            decision.diff?.breaking ? 'BREAKING_CONTRACT_CHANGE' : 'CONTRACT_VERSION_CONFLICT',
          );
        case 'unchanged':
          return { stored: latest!, applied: false, previousVersion, diff: { changes: [], expectationChanges: [], breaking: false } };
        case 'first':
        case 'new_version': {
          const diff = decision.outcome === 'new_version' ? decision.diff : undefined;
          const candidate = { contract, document, format, digest, breaking: diff?.breaking ?? false, appliedBy: options.actor } as const;
          if (options.dryRun) return { stored: { ...candidate, appliedAt: new Date() }, diff, applied: false, previousVersion };
          const stored = await this.contracts.insert(tx, candidate, parseSemVer(contract.version)!.major);
          await this.outbox.enqueue(tx, Events.contractApplied, toContractAppliedEvent(stored, previousVersion));
          return { stored, diff, applied: true, previousVersion };
        }
      }
    });
  }

  async get(dataset: string, version?: string): Promise<StoredContract> {
    const stored = version ? await this.contracts.find(dataset, version) : await this.contracts.latest(dataset);
    if (!stored) throw RpcError.notFound(version ? `dataset "${dataset}" has no contract version ${version}` : `unknown dataset "${dataset}": apply a contract for it first`);
    return stored;
  }

  async diff(dataset: string, fromVersion: string, toVersion?: string): Promise<ContractDiff> {
    const [from, to] = await Promise.all([this.get(dataset, fromVersion), this.get(dataset, toVersion)]);
    return diffContracts(from.contract, to.contract);
  }

  /** The compiled validator of a contract version, built once per process. */
  validator(contract: DataContract): RecordValidator {
    const key = `${contract.dataset}@${contract.version}`;
    let validator = this.validators.get(key);
    if (!validator) this.validators.set(key, (validator = compileValidator(contract)));
    return validator;
  }

  /** How the contract's source topic encodes values, compiled once per version (JSON needs nothing). */
  sourceDecoder(contract: DataContract): RecordDecoder {
    const protobuf = contract.source?.protobuf;
    if (contract.source?.encoding !== 'protobuf' || !protobuf) return decodeJson;
    const key = `${contract.dataset}@${contract.version}`;
    let decoder = this.decoders.get(key);
    if (!decoder) this.decoders.set(key, (decoder = compileProtobufDecoder(contract.fields, protobuf)));
    return decoder;
  }
}

function parse(document: string): DataContract {
  if (document.trim() === '') throw RpcError.invalidArgument('the contract document is empty', [{ field: 'document', description: 'must not be empty' }]);
  try {
    return parseContractDocument(document);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw RpcError.invalidArgument(
      `the contract does not parse: ${error.message}`,
      error.problems.map((p) => ({ field: p.path || 'document', description: `${p.line ? `line ${p.line}, column ${p.column}: ` : ''}${p.message}` })),
    );
  }
}

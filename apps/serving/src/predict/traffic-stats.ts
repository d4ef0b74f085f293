import { Injectable } from '@nestjs/common';
import { type ArmSummary, ArmWindow } from '../domain/deployments';

/** Longest evaluation window a rollback guard can look back over (longer ones are cut to it); older traffic is forgotten. */
export const GUARD_HORIZON_MS = 15 * 60 * 1000;

/**
 * Recent requests per model, arm and version in this replica: what a canary's rollback guard
 * compares. Each replica judges the traffic it served (stateless replicas share nothing).
 */
@Injectable()
export class TrafficStats {
  private readonly windows = new Map<string, ArmWindow>();

  record(modelName: string, arm: string, version: number, latencyMs: number, failed: boolean, nowMs = Date.now()): void {
    const key = `${modelName}|${arm}|${version}`;
    let window = this.windows.get(key);
    if (!window) {
      window = new ArmWindow(GUARD_HORIZON_MS);
      this.windows.set(key, window);
    }
    window.record(nowMs, latencyMs, failed);
  }

  summary(modelName: string, arm: string, version: number, windowMs: number, nowMs = Date.now()): ArmSummary {
    const window = this.windows.get(`${modelName}|${arm}|${version}`);
    return window ? window.summary(nowMs, Math.min(windowMs, GUARD_HORIZON_MS)) : { requests: 0, errors: 0, errorRate: 0, p99Ms: 0 };
  }

  /** Forgets the arms of a model, e.g. once a canary is gone, so a later canary of the same version starts clean. */
  forget(modelName: string, arm: string, version: number): void {
    this.windows.delete(`${modelName}|${arm}|${version}`);
  }
}

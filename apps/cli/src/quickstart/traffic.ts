import { type Producer } from 'kafkajs';
import { envelopeHeaders, Events, newEnvelope } from '@mlops/events';
import { type commonV1, eventsV1, servingV1 } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { type Platform } from '../core/platform';
import { type FlightRecord } from './flights';

const text = (value: string): commonV1.FeatureValue => ({ kind: { $case: 'stringValue', value } });
const number = (value: number): commonV1.FeatureValue => ({ kind: { $case: 'doubleValue', value } });

/** A feature value's number (double or int64), or undefined for any other kind or none. */
export function numberOf(value: commonV1.FeatureValue | undefined): number | undefined {
  const kind = value?.kind;
  return kind && typeof kind.value === 'number' ? kind.value : undefined;
}

/**
 * A flight as a prediction request: what is known before departure. The airport's recent delays
 * come from the online store by entity key (the deployment's enrichment), and booleans go in as
 * 0/1 as they were trained.
 */
function flightInstance(flight: FlightRecord): servingV1.Instance {
  return {
    features: { origin: text(flight.origin), destination: text(flight.destination), distance: number(flight.distance), dark: number(flight.dark ? 1 : 0) },
    entityKey: { joinKeys: { origin: text(flight.origin) } },
  };
}

/** The outcome the airline learns after the flight: late by more than 15 minutes. */
const isLate = (flight: FlightRecord) => (flight.delay > 15 ? 1 : 0);

/** Served predictions by arm, and how many labels went out. */
export interface Traffic {
  predictions: number;
  byArm: Record<string, number>;
  labels: number;
}

/** Sends flights to serving as prediction requests and their outcomes to monitoring as labels, joined by request id. */
export class FlightTraffic {
  readonly sent: Traffic = { predictions: 0, byArm: {}, labels: 0 };
  private requests = 0;

  constructor(
    private readonly platform: Platform,
    private readonly producer: Producer,
    private readonly model: string,
  ) {}

  async predict(flights: readonly FlightRecord[], { withLabels }: { withLabels: boolean }): Promise<servingV1.PredictResponse> {
    const requestId = `quickstart-${this.model}-${++this.requests}`;
    const answer = await this.platform.rpc('serving', 'predict', servingV1.PredictRequest.fromPartial({ modelName: this.model, requestId, instances: flights.map(flightInstance), returnFeatures: true }));
    if (answer.predictions.length !== flights.length) throw new CliError(`serving answered ${answer.predictions.length} of ${flights.length} instances`, EXIT.failure);
    this.sent.predictions += flights.length;
    this.sent.byArm[answer.arm] = (this.sent.byArm[answer.arm] ?? 0) + flights.length;
    if (withLabels) await this.label(requestId, flights);
    return answer;
  }

  private async label(requestId: string, flights: readonly FlightRecord[]): Promise<void> {
    const observedAt = new Date();
    const messages = flights.map((flight, instanceIndex) => {
      const label = eventsV1.LabelReceived.fromPartial({ modelName: this.model, join: { $case: 'requestId', value: requestId }, instanceIndex, label: { kind: { $case: 'int64Value', value: isLate(flight) } }, observedAt, source: 'flights-outcomes' });
      return { key: Events.labelReceived.key(label), value: Buffer.from(Events.labelReceived.codec.encode(label).finish()), headers: envelopeHeaders(newEnvelope(Events.labelReceived)) };
    });
    await this.producer.send({ topic: Events.labelReceived.topic, messages });
    this.sent.labels += messages.length;
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventsV1 } from '@mlops/proto';
import { EVENT_CATALOG, Events, publishedBy } from './catalog';

describe('event catalog', () => {
  it('names topics <service>.<entity>.<action>.v<version>, each once', () => {
    const topics = EVENT_CATALOG.map((d) => d.topic);
    expect(new Set(topics).size).toBe(topics.length);
    for (const definition of EVENT_CATALOG) {
      expect(definition.topic).toMatch(/^[a-z]+\.[a-z_]+\.[a-z_]+\.v\d+$/);
      expect(definition.topic.startsWith(`${definition.producer}.`) || definition.producer === 'upstream').toBe(true);
    }
  });

  it('has exactly the event types the protos declare, each with its payload message', () => {
    const dir = join(__dirname, '../../../proto/mlops/events/v1');
    const declared = readdirSync(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(/Event type `([a-z_.]+)`[^\n]*\n(?:\/\/[^\n]*\n)*message (\w+)/g)].map(([, type, message]) => ({ type, message })),
    );
    const catalog = EVENT_CATALOG.map((d) => ({ type: d.type, message: Object.entries(eventsV1).find(([, codec]) => codec === d.codec)?.[0] }));
    const byType = (a: { type: string }, b: { type: string }) => a.type.localeCompare(b.type);
    expect(catalog.sort(byType)).toEqual(declared.sort(byType));
  });

  it('keys a model promotion by model name', () => {
    expect(Events.modelPromoted.key({ modelName: 'churn' } as eventsV1.ModelPromoted)).toBe('churn');
    expect(publishedBy('registry').map((d) => d.type)).toEqual(['registry.model.created', 'registry.model_version.registered', 'registry.model.promoted', 'registry.model.rolled_back']);
  });
});

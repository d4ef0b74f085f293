/** The flights' data contract: what the upstream topic carries and what a row must satisfy. Nothing in the platform knows flights. */
export function flightsContract(dataset: string, topic: string): string {
  return `dataset: ${dataset}
version: 1.0.0
description: US domestic flights of 2001, replayed by the quickstart
entity_keys: [origin]
event_time_field: date
fields:
  - { name: date, type: timestamp, required: true, nullable: false }
  - { name: delay, type: int, required: true, nullable: false, range: { min: -1440, max: 2880 } }
  - { name: distance, type: int, required: true, nullable: false, range: { min: 1, max: 6000 } }
  - { name: origin, type: string, required: true, nullable: false, pattern: "[A-Z0-9]{3}" }
  - { name: destination, type: string, required: true, nullable: false, pattern: "[A-Z0-9]{3}" }
  - { name: dark, type: bool, required: true, nullable: false }
source:
  topic: ${topic}
  partition_concurrency: 3
`;
}

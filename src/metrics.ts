// Prometheus metrics on a registry of this server's own (several servers can run in one test process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'herald_connections', help: 'Open realtime connections', labelNames: ['dialect', 'transport'], registers: [this.registry] });
  readonly eventsAppended = new Counter({ name: 'herald_events_appended_total', help: 'Events appended to the log', labelNames: ['type'], registers: [this.registry] });
  readonly deliveries = new Counter({ name: 'herald_deliveries_total', help: 'Frames delivered to connections', labelNames: ['dialect'], registers: [this.registry] });
  readonly deliveryLag = new Histogram({
    name: 'herald_delivery_lag_seconds',
    help: 'Time from an event being appended to its frame being written to a connection',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly framesReceived = new Counter({ name: 'herald_frames_received_total', help: 'Client frames received', labelNames: ['dialect'], registers: [this.registry] });
  readonly slowConsumers = new Counter({ name: 'herald_slow_consumers_closed_total', help: 'Connections closed because their outgoing buffer filled', labelNames: ['dialect'], registers: [this.registry] });
  readonly resumes = new Counter({ name: 'herald_resumes_total', help: 'Resume attempts by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly deliveryErrors = new Counter({
    name: 'herald_delivery_errors_total',
    help: 'Failures isolated on the delivery path (render, write to one connection, a bus subscriber, afterCommit); the event still reached everyone else',
    labelNames: ['stage', 'dialect'],
    registers: [this.registry],
  });
  readonly heldOverflows = new Counter({ name: 'herald_held_overflows_total', help: 'Replays whose held live events passed the bound and were re-read from the store', labelNames: ['dialect'], registers: [this.registry] });

  readonly gapFills = new Counter({
    name: 'herald_stream_gap_fills_total',
    help: 'Events a node read from the store because the bus lost or delayed them (a NATS reconnect, a node restart)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

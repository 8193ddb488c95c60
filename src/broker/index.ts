// The broker core's public surface: what protocol sessions (MQTT, STOMP) and Herald's wiring import.
export { Broker, type SessionInfo } from './broker.js';
export type { SubscribeOutcome } from './subscriptions.js';
export type { ConnectResult } from './lifecycle.js';
export { Connection } from './session.js';
export * from './api.js';
export * from './acl.js';
export * from './message.js';
export type { BrokerOptions, BrokerLimits, BrokerMetrics, DropReason } from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export type { BrokerStats } from './core.js';
export type * from './store.js';
export { MemoryBrokerStore } from './memory-store.js';
export { NamespaceTable, NamespaceSpecSchema, NamespaceTableSchema, type NamespaceSpec, type MembershipCheck, type Resolution, type Operation, type DestinationResolver } from './namespaces.js';
export * from './stomp-mapping.js';
export { parseFilter, validateTopicName, topicMatches, DEFAULT_TOPIC_LIMITS, type ParsedFilter, type TopicLimits } from './topic.js';

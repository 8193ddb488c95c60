// MQTT 5 reason codes Herald sends (§2.4), the broker core's refusals mapped onto them one-to-one, and
// the MQTT 3.1.1 CONNACK return codes the 5.0 codes fall back to (§3.2.2.3 of 3.1.1).
import type { ConnectRefusal, PublishRefusal, SubscribeRefusal } from '../../../broker/index.js';

export const RC = {
  success: 0x00,
  grantedQos1: 0x01,
  grantedQos2: 0x02,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecified: 0x80,
  malformed: 0x81,
  protocolError: 0x82,
  implementationSpecific: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdInvalid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdInUse: 0x91,
  packetIdNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
  qosNotSupported: 0x9b,
  sharedSubscriptionsNotSupported: 0x9e,
  serverShuttingDown: 0x8b,
} as const;

export function connectRefusalCode(r: ConnectRefusal): number {
  switch (r) {
    case 'not_authorized':
      return RC.notAuthorized;
    case 'client_id_invalid':
    case 'client_id_in_use':
      return RC.clientIdInvalid;
    case 'topic_name_invalid':
      return RC.topicNameInvalid;
    case 'server_unavailable':
      return RC.serverUnavailable;
  }
}

export function subscribeRefusalCode(r: SubscribeRefusal): number {
  switch (r) {
    case 'not_authorized':
      return RC.notAuthorized;
    case 'topic_filter_invalid':
      return RC.topicFilterInvalid;
    case 'protocol_error':
      return RC.protocolError;
    case 'quota_exceeded':
      return RC.quotaExceeded;
    case 'no_session':
      return RC.unspecified;
  }
}

export function publishRefusalCode(r: PublishRefusal): number {
  switch (r) {
    case 'not_authorized':
      return RC.notAuthorized;
    case 'topic_name_invalid':
      return RC.topicNameInvalid;
    case 'quota_exceeded':
      return RC.quotaExceeded;
    case 'no_session':
      return RC.unspecified;
  }
}

/** MQTT 3.1.1 CONNACK return code for a 5.0 reason code. */
export function v4ConnackCode(rc: number): number {
  switch (rc) {
    case RC.success:
      return 0;
    case RC.unsupportedProtocolVersion:
      return 1;
    case RC.clientIdInvalid:
      return 2;
    case RC.serverUnavailable:
    case RC.serverBusy:
      return 3;
    case RC.badUserNameOrPassword:
      return 4;
    default:
      return 5;
  }
}

/** MQTT 3.1.1 SUBACK: granted QoS or 0x80 (failure). */
export function v4SubackCode(rc: number): number {
  return rc < 0x80 ? rc : 0x80;
}

package io.wharf.client.consumer;

/**
 * A group consumer's membership as its polling thread last applied it, after Kafka's
 * {@code ConsumerGroupMetadata} (whose generation id is KIP-848's member epoch). Immutable.
 *
 * @param groupId the consumer's {@code group.id}
 * @param memberId the id the consumer joins with, kept across rejoins
 * @param memberEpoch the member epoch of the assignment the consumer owns; 0 before its first
 *     assignment and after a fence until it rejoined
 */
public record ConsumerGroupMetadata(String groupId, String memberId, int memberEpoch) {
}

package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.proto.group.GroupRecordKey;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GroupRecordCodecTest {

    private static final MemberMetadata MEMBER = new MemberMetadata(Optional.of("server-a"), Optional.of("rack-1"),
            new TreeSet<>(), Optional.of("clicks-.*"), Optional.of("range"), 45_000, 5_000, 300_000);
    private static final CurrentAssignment CURRENT = new CurrentAssignment(7, 6, MemberState.UNREVOKED_PARTITIONS,
            Map.of(new TopicPartition("a", 0), 3, new TopicPartition("b", 2), 7),
            Map.of(new TopicPartition("a", 1), 5));

    private static final List<GroupRecord> RECORDS = List.of(
            new GroupRecord.GroupMetadata("g", Optional.of(new GroupEpoch(4, Map.of("a", 2, "b", 3)))),
            new GroupRecord.GroupMetadata("g", Optional.empty()),
            new GroupRecord.Member("g", "m", Optional.of(MEMBER)),
            new GroupRecord.Member("g", "m", Optional.of(new MemberMetadata(Optional.empty(), Optional.empty(),
                    new TreeSet<>(List.of("a", "b")), Optional.empty(), Optional.empty(), 1, 2, 3))),
            new GroupRecord.Member("g", "m", Optional.empty()),
            new GroupRecord.TargetEpoch("g", Optional.of(4)),
            new GroupRecord.TargetEpoch("g", Optional.empty()),
            new GroupRecord.TargetMember("g", "m", Optional.of(Assignment.of("a", 0, 1).union(Assignment.of("b", 2)))),
            new GroupRecord.TargetMember("g", "m", Optional.of(Assignment.empty())),
            new GroupRecord.TargetMember("g", "m", Optional.empty()),
            new GroupRecord.CurrentMember("g", "m", Optional.of(CURRENT)),
            new GroupRecord.CurrentMember("g", "m", Optional.empty()),
            new GroupRecord.OffsetCommit("g", new TopicPartition("a", 1),
                    Optional.of(new CommittedOffset(99, 4, "processed", 123_456L))),
            new GroupRecord.OffsetCommit("g", new TopicPartition("a", 1), Optional.empty()));

    @Test
    void everyRecordTypeSurvivesTheRoundTrip() {
        for (GroupRecord record : RECORDS) {
            GroupRecordCodec.Encoded encoded = GroupRecordCodec.encode(record);
            assertEquals(record.isTombstone(), encoded.value() == null, record.toString());
            assertEquals(record, GroupRecordCodec.decode(encoded.key(), encoded.value()));
        }
    }

    @Test
    void recordsWithTheSameKeyHaveTheSameKeyBytesAndOthersDiffer() {
        GroupRecord put = RECORDS.get(2);
        GroupRecord tombstone = RECORDS.get(4);
        assertArrayEquals(GroupRecordCodec.encode(put).key(), GroupRecordCodec.encode(tombstone).key());
        assertNull(GroupRecordCodec.encode(tombstone).value());
        byte[] member = GroupRecordCodec.encode(put).key();
        byte[] target = GroupRecordCodec.encode(RECORDS.get(7)).key();
        byte[] current = GroupRecordCodec.encode(RECORDS.get(10)).key();
        assertFalse(Arrays.equals(member, target));
        assertFalse(Arrays.equals(target, current));
    }

    @Test
    void corruptBytesAreRefused() {
        byte[] key = GroupRecordCodec.encode(RECORDS.get(10)).key();
        assertThrows(IllegalArgumentException.class, () -> GroupRecordCodec.decode(new byte[] {(byte) 0xff}, null));
        assertThrows(IllegalArgumentException.class, () -> GroupRecordCodec.decode(key, new byte[] {0x0a, 0x7f}));
        byte[] noType = GroupRecordKey.newBuilder().setGroupId("g").build().toByteArray();
        assertThrows(IllegalArgumentException.class, () -> GroupRecordCodec.decode(noType, null));
    }
}

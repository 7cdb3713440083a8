package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.OffsetLookup;
import io.wharf.client.group.GroupAdmin;
import io.wharf.client.group.GroupDescription;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code groups reset-offsets GROUP --topic T[:P[,P...]] MODE [--execute]}, after
 * kafka-consumer-groups --reset-offsets: computes each partition's new committed offset and prints
 * the plan; only {@code --execute} commits it (an admin commit, member epoch -1). Refused while the
 * group has members, dry run included: their positions would make the plan meaningless. New offsets
 * are kept within [log start, high watermark]. Single-threaded; one per invocation.
 */
@Command(name = "reset-offsets", description = "Plan (and with --execute, commit) new offsets for a group "
        + "without members. Prints the plan; changes nothing without --execute.")
public final class ResetOffsetsCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Parameters(paramLabel = "GROUP", description = "The group id.")
    String group;
    @Option(names = "--topic", required = true, paramLabel = "TOPIC[:P[,P...]]",
            description = "A topic, or some of its partitions; repeatable.")
    List<String> topics = new ArrayList<>();
    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;
    @Option(names = "--execute", description = "Commit the new offsets (default: only print them).")
    boolean execute;

    /** Where to move each partition; exactly one. */
    static final class Mode {
        @Option(names = "--to-earliest", description = "The log start offset.")
        boolean toEarliest;
        @Option(names = "--to-latest", description = "The high watermark (skip everything written so far).")
        boolean toLatest;
        @Option(names = "--to-offset", paramLabel = "N", description = "Offset N.")
        Long toOffset;
        @Option(names = "--shift-by", paramLabel = "N", description = "The committed offset plus N (negative: back).")
        Long shiftBy;
        @Option(names = "--to-datetime", paramLabel = "ISO",
                description = "The first offset at or after this time, e.g. 2026-12-05T10:00:00Z (no zone: local time).")
        String toDatetime;
        @Option(names = "--by-duration", paramLabel = "PnDTnHnM",
                description = "The first offset at or after this long ago, e.g. P1D or PT2H30M.")
        String byDuration;
    }

    public ResetOffsetsCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        Long timestamp = timestamp();
        try (GroupAdmin admin = GroupsCommand.connect(bootstrap, env)) {
            List<TopicPartition> partitions = partitions(admin);
            Map<TopicPartition, Long> current = currentOffsets(admin);
            Map<TopicPartition, Long> earliest = admin.listOffsets(spec(partitions, OffsetLookup.EARLIEST));
            Map<TopicPartition, Long> latest = admin.listOffsets(spec(partitions, OffsetLookup.LATEST));
            Map<TopicPartition, Long> atTime = timestamp == null ? Map.of() : admin.listOffsets(spec(partitions, timestamp));
            Map<TopicPartition, Long> plan = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                long low = earliest.get(tp);
                long high = latest.get(tp);
                long target;
                if (mode.toEarliest) {
                    target = low;
                } else if (mode.toLatest) {
                    target = high;
                } else if (mode.toOffset != null) {
                    target = mode.toOffset;
                } else if (mode.shiftBy != null) {
                    Long committed = current.get(tp);
                    if (committed == null) {
                        throw new CliException("NO_COMMITTED_OFFSET", tp + " has no committed offset in group '" + group
                                + "' to shift; use --to-earliest, --to-latest or --to-offset for it");
                    }
                    target = committed + mode.shiftBy;
                } else {
                    long found = atTime.get(tp);
                    target = found < 0 ? high : found; // nothing that recent: start after everything
                }
                plan.put(tp, Math.max(low, Math.min(high, target)));
            }
            if (execute) {
                GroupsCommand.refusedWhileActive(() -> {
                    admin.resetOffsets(group, plan);
                    return null;
                }, group);
            }
            print(plan, current);
        }
    }

    /** The time --to-datetime or --by-duration names, in ms; null for the other modes. Bad input: exit 2. */
    private Long timestamp() {
        if (mode.toDatetime != null) {
            return parseTime(mode.toDatetime).toEpochMilli();
        }
        if (mode.byDuration != null) {
            Duration ago;
            try {
                ago = Duration.parse(mode.byDuration);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--by-duration '" + mode.byDuration
                        + "' is not an ISO-8601 duration such as P1D, PT2H or P1DT12H30M");
            }
            if (ago.isNegative()) {
                throw new IllegalArgumentException("--by-duration must not be negative, got " + mode.byDuration);
            }
            return System.currentTimeMillis() - ago.toMillis();
        }
        if (mode.toOffset != null && mode.toOffset < 0) {
            throw new IllegalArgumentException("--to-offset must not be negative, got " + mode.toOffset);
        }
        return null;
    }

    static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutZone) {
            try {
                return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--to-datetime '" + text + "' is not an ISO-8601 time such as "
                        + "2026-12-05T10:00:00Z, 2026-12-05T10:00:00+01:00 or 2026-12-05T10:00:00 (local time)");
            }
        }
    }

    /** The partitions named by --topic: T for all of them, T:0,2 for some. */
    private List<TopicPartition> partitions(GroupAdmin admin) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String spec : topics) {
            int colon = spec.indexOf(':');
            String topic = colon < 0 ? spec : spec.substring(0, colon);
            if (topic.isBlank()) {
                throw new IllegalArgumentException("--topic '" + spec + "' names no topic; give TOPIC or TOPIC:P[,P...]");
            }
            int count = admin.partitionCount(topic);
            if (colon < 0) {
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
                continue;
            }
            for (String part : spec.substring(colon + 1).split(",", -1)) {
                int p;
                try {
                    p = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--topic '" + spec + "': '" + part + "' is not a partition number");
                }
                if (p < 0 || p >= count) {
                    throw new IllegalArgumentException("--topic '" + spec + "': topic '" + topic + "' has " + count
                            + " partitions (0-" + (count - 1) + "), not " + p);
                }
                partitions.add(new TopicPartition(topic, p));
            }
        }
        return partitions.stream().distinct().toList();
    }

    /** The committed offsets, refusing a group with members; a group that does not exist yet has none. */
    private Map<TopicPartition, Long> currentOffsets(GroupAdmin admin) {
        GroupDescription description;
        try {
            description = admin.describeGroup(group);
        } catch (ClientException e) {
            if (e.code() == ErrorCode.GROUP_ID_NOT_FOUND) {
                return Map.of();
            }
            throw e;
        }
        if (!description.members().isEmpty()) {
            throw new CliException(ErrorCode.NON_EMPTY_GROUP.name(), "group '" + group + "' has "
                    + description.members().size() + " active members; offsets can only be reset while it has none: "
                    + "stop its consumers first (wharf groups describe " + group + " lists them)");
        }
        Map<TopicPartition, Long> current = new HashMap<>();
        description.partitions().stream().filter(p -> p.committedOffset() != null)
                .forEach(p -> current.put(p.partition(), p.committedOffset()));
        return current;
    }

    private static Map<TopicPartition, Long> spec(List<TopicPartition> partitions, long value) {
        Map<TopicPartition, Long> spec = new LinkedHashMap<>();
        partitions.forEach(tp -> spec.put(tp, value));
        return spec;
    }

    private void print(Map<TopicPartition, Long> plan, Map<TopicPartition, Long> current) {
        if (json.enabled()) {
            Json.print(env.out(), Json.object("group", group, "executed", execute, "partitions", plan.entrySet().stream()
                    .map(e -> Json.object("topic", e.getKey().topic(), "partition", e.getKey().partition(),
                            "currentOffset", current.get(e.getKey()), "newOffset", e.getValue())).toList()));
            return;
        }
        TextTable table = new TextTable("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET");
        plan.forEach((tp, offset) -> table.row(group, tp.topic(), tp.partition(), current.get(tp), offset));
        table.print(env.out());
        env.out().println(execute ? "Committed the new offsets of group " + group + "."
                : "Dry run: nothing changed. Add --execute to commit these offsets.");
    }
}

package io.wharf.cli.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.dlq.EncodedBytes;
import io.wharf.client.dlq.BlockedKeys;
import io.wharf.client.dlq.KeyBlock;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code wharf dlq blocked --group G}: the keys ordered mode has blocked for a consumer group,
 * read from its blocked-keys topic to the end, each with the record whose failure blocked it.
 * Single-threaded.
 */
@Command(name = "blocked", description = "List the keys ordered mode blocked for a consumer group or a queue.")
public final class DlqBlockedCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BlockedKeysOptions blocked;

    public DlqBlockedCommand(CliEnvironment env) {
        this.env = env;
    }

    /**
     * One blocked key.
     *
     * @param partition partition of the record whose failure blocked it
     * @param offset its offset
     * @param cause its error.cause
     * @param blockedAt when the key was blocked, ISO-8601 UTC
     */
    record Entry(String topic, @JsonProperty("key_encoding") String keyEncoding, String key, int partition,
                 long offset, String cause, @JsonProperty("blocked_at") String blockedAt) {

        static Entry of(KeyBlock block) {
            EncodedBytes key = EncodedBytes.of(block.key());
            return new Entry(block.topic(), key.encoding(), key.text(), block.partition(), block.offset(),
                    block.cause(), Instant.ofEpochMilli(block.timestampMs()).toString());
        }
    }

    @Override
    public void run() {
        List<Entry> entries;
        try (BlockedKeys keys = blocked.open(env)) {
            entries = keys.list().stream().map(Entry::of).toList();
        }
        if (json.enabled()) {
            Json.print(env.out(), Json.object("blocked_topic", blocked.topic(), "blocked", entries));
            return;
        }
        if (entries.isEmpty()) {
            env.out().println("No blocked key on " + blocked.topic() + ".");
            return;
        }
        TextTable table = new TextTable("TOPIC", "KEY", "PARTITION", "OFFSET", "CAUSE", "BLOCKED-AT");
        entries.forEach(e -> table.row(e.topic(), new EncodedBytes(e.keyEncoding(), e.key()).display(),
                e.partition(), e.offset(), e.cause(), e.blockedAt()));
        table.print(env.out());
    }
}

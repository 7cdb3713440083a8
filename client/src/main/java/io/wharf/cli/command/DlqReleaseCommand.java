package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.client.ClientException;
import io.wharf.client.dlq.BlockedKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf dlq release --group G TOPIC KEY} (or {@code --queue Q KEY}): releases a key that
 * ordered mode blocked, by writing its tombstone to the group's (queue's) blocked-keys topic and
 * waiting for acks=all. The group's consumers process the key's records again once they read the
 * tombstone (before their next batch; a queue's loop before its next delivery). Says whether the key was blocked; the tombstone is written either way, so a release
 * racing a block is never lost. Single-threaded.
 */
@Command(name = "release", description = "Release a key that ordered mode blocked, so the group (or the queue's "
        + "consumer) processes its messages again.")
public final class DlqReleaseCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BlockedKeysOptions blocked;
    @Parameters(arity = "1..2", paramLabel = "[TOPIC] KEY", description = "The source topic the key was blocked "
            + "on (none with --queue: the queue is the source) and the key, as UTF-8 text.")
    List<String> sourceAndKey;

    public DlqReleaseCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        String topic = source();
        String key = sourceAndKey.get(sourceAndKey.size() - 1);
        boolean wasBlocked;
        try (BlockedKeys keys = blocked.open(env)) {
            wasBlocked = keys.release(topic, key.getBytes(StandardCharsets.UTF_8));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ClientException c) {
                throw c;
            }
            throw new CliException("FAILED", "the release of key '" + key + "' was not acknowledged: "
                    + e.getCause().getMessage() + "; run the release again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("INTERRUPTED", "interrupted before the release of key '" + key
                    + "' was acknowledged; run it again");
        } catch (ClientException | CliException | IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException("FAILED", "the release of key '" + key + "' failed: " + e.getMessage());
        }
        if (json.enabled()) {
            Json.print(env.out(), Json.object(blocked.queue().isPresent() ? "queue" : "topic", topic, "key", key, "blocked_topic", blocked.topic(),
                    "was_blocked", wasBlocked));
        } else if (wasBlocked) {
            env.out().println("Released key '" + key + "' of " + topic + ".");
        } else {
            env.out().println("Key '" + key + "' of " + topic + " was not blocked (" + blocked.topic()
                    + "); wrote its tombstone anyway.");
        }
    }

    /** The topic or queue whose key is released. */
    private String source() {
        if (blocked.queue().isPresent()) {
            if (sourceAndKey.size() != 1) {
                throw new IllegalArgumentException("with --queue name only the KEY: the queue is the source");
            }
            return blocked.queue().get();
        }
        if (sourceAndKey.size() != 2) {
            throw new IllegalArgumentException("name the source TOPIC and the KEY (or the queue with --queue and the KEY)");
        }
        return sourceAndKey.get(0);
    }
}

package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.producer.RecordMetadata;
import io.wharf.record.CompressionType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf produce TOPIC}: sends each line of standard input as a record, after Kafka's
 * console producer. Exit 0 only when every line was acknowledged; otherwise 1 with a line naming
 * how many failed and the first failure. Single-threaded (the producer's sender thread is its own).
 */
@Command(name = ProduceCommand.NAME, description = "Send the lines of standard input to a topic.")
public final class ProduceCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "produce";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Parameters(paramLabel = "TOPIC", description = "Topic to write to.")
    String topic;
    @ArgGroup(exclusive = true)
    KeyChoice key;
    @Option(names = "--acks", defaultValue = "all", paramLabel = "all|1|0",
            description = "Acknowledgement to wait for (default ${DEFAULT-VALUE}).")
    String acks;
    @Option(names = "--partition", paramLabel = "P", description = "Write every line to this partition.")
    Integer partition;
    @Option(names = "--compression", defaultValue = "none", paramLabel = "TYPE",
            description = "none, gzip, snappy, lz4 or zstd (default ${DEFAULT-VALUE}).")
    String compression;
    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long a line may take to be acknowledged, retries included (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** {@code --key K} or {@code --key-separator S}, not both. */
    static final class KeyChoice {
        @Option(names = "--key", paramLabel = "K", description = "Key of every record.")
        String fixed;
        @Option(names = "--key-separator", paramLabel = "S",
                description = "Split each line at the first S into key and value.")
        String separator;
    }

    public ProduceCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        if (key != null && key.separator != null && key.separator.isEmpty()) {
            throw new IllegalArgumentException("--key-separator must not be empty");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        ProducerConfig config = ProducerConfig.builder(bootstrap.endpoints(env)).acks(ProducerConfig.parseAcks(acks))
                .compression(CompressionType.forName(compression)).maxBlock(timeout)
                .requestTimeout(timeout.compareTo(Duration.ofSeconds(30)) < 0 ? timeout : Duration.ofSeconds(30))
                .deliveryTimeout(timeout.plusSeconds(1)).build();
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        try (Producer producer = new Producer(config, env.channels())) {
            producer.partitionCount(topic); // an unknown topic or unreachable cluster fails once, before any line
            BufferedReader reader = new BufferedReader(new InputStreamReader(env.in(), StandardCharsets.UTF_8));
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                ProducerRecord record = toRecord(line, lineNumber, rejected);
                if (record != null) {
                    sent.add(producer.send(record));
                }
            }
            producer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("reading standard input failed", e);
        }
        report(sent, rejected);
    }

    private ProducerRecord toRecord(String line, int lineNumber, List<String> rejected) {
        byte[] recordKey = null;
        String value = line;
        if (key != null && key.fixed != null) {
            recordKey = key.fixed.getBytes(StandardCharsets.UTF_8);
        } else if (key != null && key.separator != null) {
            int at = line.indexOf(key.separator);
            if (at < 0) {
                rejected.add("line " + lineNumber + " has no key separator '" + key.separator + "'");
                return null;
            }
            recordKey = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
            value = line.substring(at + key.separator.length());
        }
        return new ProducerRecord(topic, partition, null, recordKey, value.getBytes(StandardCharsets.UTF_8), List.of());
    }

    private void report(List<CompletableFuture<RecordMetadata>> sent, List<String> rejected) {
        int acknowledged = 0;
        String firstFailure = rejected.isEmpty() ? null : rejected.get(0);
        String failureCode = rejected.isEmpty() ? null : "INVALID_ARGUMENT";
        for (CompletableFuture<RecordMetadata> future : sent) {
            try {
                future.join();
                acknowledged++;
            } catch (CompletionException e) {
                if (firstFailure == null) {
                    firstFailure = e.getCause().getMessage();
                    failureCode = e.getCause() instanceof io.wharf.client.ClientException c ? c.code().name() : "FAILED";
                }
            }
        }
        int total = sent.size() + rejected.size();
        if (acknowledged < total) {
            throw new CliException(failureCode, (total - acknowledged) + " of " + total
                    + " lines were not acknowledged; first: " + firstFailure);
        }
        if (json.enabled()) {
            Json.print(env.out(), Json.object("topic", topic, "records", total, "acknowledged", acknowledged));
        }
    }
}

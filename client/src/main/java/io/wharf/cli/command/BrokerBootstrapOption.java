package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.client.Endpoint;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap host:port,...} for data commands: the brokers to learn the metadata from
 * (default the local cluster's brokers, else 127.0.0.1:17201-17203). Single-threaded; filled by picocli.
 */
public final class BrokerBootstrapOption {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Brokers to contact (default: the local cluster's, else 127.0.0.1:17201-17203).")
    String bootstrap;

    public List<Endpoint> endpoints(CliEnvironment env) {
        return bootstrap == null ? env.defaultBrokers() : Endpoint.parseList(bootstrap);
    }
}

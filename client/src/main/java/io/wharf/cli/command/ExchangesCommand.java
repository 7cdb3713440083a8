package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.view.BindingView;
import io.wharf.cli.view.ExchangeView;
import io.wharf.client.admin.AdminClient;
import io.wharf.proto.common.ExchangeType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wharf exchanges ...}, after rabbitmqadmin's exchange commands, and the bindings from them.
 * Single-threaded; one per invocation.
 */
@Command(name = ExchangesCommand.NAME, description = "Declare, list and delete exchanges; list their bindings.",
        subcommands = {ExchangesCommand.Declare.class, ExchangesCommand.ListExchanges.class,
                ExchangesCommand.Delete.class, ExchangesCommand.Bindings.class})
public final class ExchangesCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "exchanges";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: declare, list, delete or bindings");
    }

    /** {@code exchanges declare NAME --type T [--internal] [--arg k=v]...}. */
    @Command(name = "declare", description = "Declare an exchange (again with the same properties: no change).")
    public static final class Declare implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "Exchange name.")
        String name;
        @Option(names = "--type", required = true, paramLabel = "direct|fanout|topic|headers",
                description = "How it routes: by equal key, to every binding, by key pattern, or by headers.")
        String type;
        @Option(names = "--internal", description = "Clients cannot publish to it; only other exchanges route to it.")
        boolean internal;
        @Option(names = "--arg", paramLabel = "KEY=VALUE", description = "An argument (alternate-exchange=NAME); repeatable.")
        Map<String, String> arguments = new LinkedHashMap<>();

        public Declare(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            ExchangeType exchangeType = parseType(type);
            try (AdminClient admin = bootstrap.connect(env)) {
                admin.declareExchange(name, exchangeType, internal, arguments);
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("name", name, "type", exchangeType.name().toLowerCase(Locale.ROOT),
                        "declared", true));
            } else {
                env.out().println("Declared exchange " + name + ".");
            }
        }
    }

    /** {@code exchanges list}. */
    @Command(name = "list", description = "List every exchange, the built-in ones included.")
    public static final class ListExchanges implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;

        public ListExchanges(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            List<ExchangeView> exchanges;
            try (AdminClient admin = bootstrap.connect(env)) {
                exchanges = admin.listExchanges().stream().map(ExchangeView::of).toList();
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("exchanges", exchanges));
                return;
            }
            TextTable table = new TextTable("NAME", "TYPE", "INTERNAL", "BUILTIN", "ARGUMENTS");
            exchanges.forEach(e -> table.row(e.displayName(), e.type(), e.internal(), e.builtin(),
                    QueuesCommand.join(e.arguments())));
            table.print(env.out());
        }
    }

    /** {@code exchanges delete NAME [--if-unused]}. */
    @Command(name = "delete", description = "Delete an exchange and every binding from or to it.")
    public static final class Delete implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "NAME", description = "The exchange to delete.")
        String name;
        @Option(names = "--if-unused", description = "Refuse while it is the source of a binding.")
        boolean ifUnused;

        public Delete(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            try (AdminClient admin = bootstrap.connect(env)) {
                admin.deleteExchange(name, ifUnused);
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("name", name, "deleted", true));
            } else {
                env.out().println("Deleted exchange " + name + ".");
            }
        }
    }

    /** {@code exchanges bindings [SOURCE]}: what {@code wharf bind} made, as rabbitmqctl list_bindings. */
    @Command(name = "bindings", description = "List the bindings from one exchange, or every binding.")
    public static final class Bindings implements Runnable {
        private final CliEnvironment env;
        @Mixin JsonOption json;
        @Mixin BootstrapOption bootstrap;
        @Parameters(paramLabel = "SOURCE", arity = "0..1", description = "Only the bindings from this exchange.")
        String source;

        public Bindings(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public void run() {
            List<BindingView> bindings;
            try (AdminClient admin = bootstrap.connect(env)) {
                bindings = admin.listBindings(source == null ? "" : source).stream().map(BindingView::of).toList();
            }
            if (json.enabled()) {
                Json.print(env.out(), Json.object("bindings", bindings));
                return;
            }
            TextTable table = new TextTable("SOURCE", "DESTINATION", "KIND", "ROUTING-KEY", "ARGUMENTS");
            bindings.forEach(b -> table.row(b.source().isEmpty() ? "(default)" : b.source(), b.destination(),
                    b.destinationKind(), b.routingKey(), QueuesCommand.join(b.arguments())));
            table.print(env.out());
        }
    }

    /** Parses direct, fanout, topic or headers (any case). */
    static ExchangeType parseType(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "direct" -> ExchangeType.DIRECT;
            case "fanout" -> ExchangeType.FANOUT;
            case "topic" -> ExchangeType.TOPIC;
            case "headers" -> ExchangeType.HEADERS;
            default -> throw new IllegalArgumentException("--type must be direct, fanout, topic or headers, got '"
                    + text + "'");
        };
    }
}

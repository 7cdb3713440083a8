package io.wharf.cli;

import io.wharf.cli.cluster.LocalClusterException;
import io.wharf.cli.command.BenchCommand;
import io.wharf.cli.command.BindCommand;
import io.wharf.cli.command.DlqCommand;
import io.wharf.cli.command.ExchangesCommand;
import io.wharf.cli.command.PublishCommand;
import io.wharf.cli.command.QueuesCommand;
import io.wharf.cli.command.SubscribeCommand;
import io.wharf.cli.command.UnbindCommand;
import io.wharf.cli.command.ClusterCommand;
import io.wharf.cli.command.ConsumeCommand;
import io.wharf.cli.command.GroupsCommand;
import io.wharf.cli.command.MetadataCommand;
import io.wharf.cli.command.ProduceCommand;
import io.wharf.cli.command.TopicsCommand;
import io.wharf.client.ClientException;
import io.wharf.client.ClientTransport;
import io.wharf.client.NettyTransport;
import io.wharf.client.OkHttpTransport;
import io.wharf.client.admin.AdminException;
import io.wharf.proto.common.ErrorCode;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code wharf} command line: {@code cluster}, {@code metadata}, {@code topics}, {@code produce},
 * {@code consume}, {@code groups}, {@code exchanges}, {@code queues}, {@code bind}, {@code unbind},
 * {@code publish}, {@code subscribe}, {@code dlq} and {@code bench}. Exit code 0
 * on success, 1 when the operation failed, 2 for bad input; failures print one line on stderr
 * naming what to fix (and, with {@code --json}, an {@code {"error": {...}}} object on stdout).
 * Single-threaded; one instance per invocation.
 */
@Command(name = "wharf", scope = CommandLine.ScopeType.INHERIT,
        version = "wharf 0.1.0-SNAPSHOT",
        description = "Run and administer a Wharf cluster.")
public final class WharfCli implements Runnable {

    /**
     * The commands by name, in the order help lists them. Registered in {@link #execute} rather than
     * in the annotation: picocli builds a command's model by reflection, and building all of them
     * took about a fifth of a short call's time, so a call naming one command builds only that one.
     * Found by their {@code NAME} constants: reading each command's annotation instead parsed all of
     * them, ~16 ms of a short call.
     */
    private static final Map<String, Class<?>> COMMANDS = inOrder(List.of(
            Map.entry(ClusterCommand.NAME, ClusterCommand.class), Map.entry(MetadataCommand.NAME, MetadataCommand.class),
            Map.entry(TopicsCommand.NAME, TopicsCommand.class), Map.entry(ProduceCommand.NAME, ProduceCommand.class),
            Map.entry(ConsumeCommand.NAME, ConsumeCommand.class), Map.entry(GroupsCommand.NAME, GroupsCommand.class),
            Map.entry(ExchangesCommand.NAME, ExchangesCommand.class), Map.entry(QueuesCommand.NAME, QueuesCommand.class),
            Map.entry(BindCommand.NAME, BindCommand.class), Map.entry(UnbindCommand.NAME, UnbindCommand.class),
            Map.entry(PublishCommand.NAME, PublishCommand.class), Map.entry(SubscribeCommand.NAME, SubscribeCommand.class),
            Map.entry(DlqCommand.NAME, DlqCommand.class), Map.entry(BenchCommand.NAME, BenchCommand.class)));
    private static final List<Class<?>> ALL_COMMANDS = List.copyOf(COMMANDS.values());

    /**
     * Types whose converters picocli would otherwise look up by reflection at every call, loading
     * and initialising ~90 classes (java.time's formatters among them) for options that take none
     * of them: 15-20 ms of a short call's picocli time. A comma-separated list of regular
     * expressions over class names, as picocli reads its {@code picocli.converters.excludes}
     * property. {@code WharfCliOptionTypesTest} fails if an option comes to take such a type.
     */
    static final String UNUSED_CONVERTERS = "java\\.time\\..*,java\\.sql\\..*";

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    // What mixinStandardHelpOptions adds, declared here: picocli builds that mixin as a command of its
    // own, by reflection, which was a tenth of the main thread's CPU in a `wharf metadata` call.
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = CommandLine.ScopeType.INHERIT,
            description = "Show this help message and exit.")
    boolean helpRequested;

    @Option(names = {"-V", "--version"}, versionHelp = true, scope = CommandLine.ScopeType.INHERIT,
            description = "Print version information and exit.")
    boolean versionRequested;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: cluster, metadata, "
                + "topics, produce, consume, groups, exchanges, queues, bind, unbind, publish, subscribe, dlq or bench");
    }

    public static void main(String[] args) {
        System.setProperty(CliLogging.PROPERTY, "stderr"); // before anything logs (CliLogging)
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        // Stopped before exiting: a network thread still waiting in the kernel holds the JVM's exit ~300 ms.
        try (ClientTransport transport = transportFor(args)) {
            code = execute(CliEnvironment.fromSystem(out, err, transport), args);
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Netty for {@code wharf bench}, which moves data for minutes; grpc-okhttp for every other
     * call, which makes a few calls and exits, and whose start Netty's would dominate.
     */
    static ClientTransport transportFor(String... args) {
        return commandsFor(args).equals(List.of(BenchCommand.class))
                ? NettyTransport.create("wharf-cli-io") : OkHttpTransport.create("wharf-cli-io");
    }

    /** Runs one command line in {@code env}; returns the exit code. */
    public static int execute(CliEnvironment env, String... args) {
        boolean json = Arrays.asList(args).contains("--json");
        CommandLine commandLine = commandLine(env, commandsFor(args));
        // Set after the subcommands are added: picocli passes these settings down only to those it has.
        // Named classes, not lambdas: a lambda implementing a picocli interface makes the class-data
        // sharing dump link picocli's (pre-Java 6) classes, which then cannot be archived (./wharf).
        commandLine.setOut(env.out())
                .setErr(env.err())
                .setParameterExceptionHandler(new UsageErrorHandler(env, json))
                .setExecutionExceptionHandler(new FailureHandler(env, json));
        int code = commandLine.execute(args);
        env.out().flush();
        env.err().flush();
        return code;
    }

    /** The {@code wharf} command with {@code commands} under it, built in {@code env}. */
    static CommandLine commandLine(CliEnvironment env, List<Class<?>> commands) {
        System.setProperty("picocli.converters.excludes", UNUSED_CONVERTERS);
        CommandLine commandLine = new CommandLine(new WharfCli(), new EnvironmentFactory(env));
        for (Class<?> command : commands) {
            commandLine.addSubcommand(command);
        }
        return commandLine;
    }

    /**
     * The command the arguments name, alone; every command when they name none (help, a typo that
     * picocli answers with suggestions, or no command at all).
     */
    static List<Class<?>> commandsFor(String... args) {
        for (String arg : args) {
            if (!arg.startsWith("-")) {
                Class<?> named = COMMANDS.get(arg);
                return named == null ? ALL_COMMANDS : List.of(named);
            }
        }
        return ALL_COMMANDS;
    }

    private static Map<String, Class<?>> inOrder(List<Map.Entry<String, Class<?>>> commands) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        commands.forEach(command -> byName.put(command.getKey(), command.getValue()));
        return Collections.unmodifiableMap(byName);
    }

    /** Answers a command line picocli could not parse: exit 2, pointing at the command's help. */
    private record UsageErrorHandler(CliEnvironment env, boolean json) implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            return fail(env, json, EXIT_USAGE, "INVALID_ARGUMENT", ex.getMessage() + " (see: " + command + " --help)");
        }
    }

    /** Answers a command that threw: its code and message, one line. */
    private record FailureHandler(CliEnvironment env, boolean json) implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
            return handle(env, json, ex);
        }
    }

    private static int handle(CliEnvironment env, boolean json, Exception ex) {
        if (ex instanceof CliException e) {
            return fail(env, json, EXIT_FAILED, e.code(), e.getMessage());
        }
        if (ex instanceof AdminException e) {
            String hint = e.code() == ErrorCode.CONTROLLER_UNAVAILABLE || e.code() == ErrorCode.REQUEST_TIMED_OUT
                    ? " — is the cluster running? (wharf cluster status; --bootstrap names other controllers)" : "";
            return fail(env, json, EXIT_FAILED, e.code().name(), e.code() + ": " + e.getMessage() + hint);
        }
        if (ex instanceof ClientException e) {
            return fail(env, json, EXIT_FAILED, e.code().name(), e.code() + ": " + e.getMessage());
        }
        if (ex instanceof LocalClusterException e) {
            return fail(env, json, EXIT_FAILED, "CLUSTER", e.getMessage());
        }
        if (ex instanceof IllegalArgumentException e) {
            return fail(env, json, EXIT_USAGE, "INVALID_ARGUMENT", e.getMessage());
        }
        String detail = ex.getClass().getName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
        if (System.getenv("WHARF_DEBUG") != null) {
            ex.printStackTrace(env.err());
        }
        return fail(env, json, EXIT_FAILED, "UNEXPECTED", "unexpected error: " + detail
                + " (set WHARF_DEBUG=1 for the stack trace)");
    }

    private static int fail(CliEnvironment env, boolean json, int exitCode, String code, String message) {
        env.err().println("wharf: " + message);
        if (json) {
            Json.print(env.out(), Json.object("error", Json.object("code", code, "message", message)));
        }
        return exitCode;
    }

    /** Builds commands with the environment when their constructor takes it. Stateless beyond the environment. */
    private static final class EnvironmentFactory implements CommandLine.IFactory {
        private final CliEnvironment env;

        EnvironmentFactory(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getConstructor(CliEnvironment.class).newInstance(env);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}

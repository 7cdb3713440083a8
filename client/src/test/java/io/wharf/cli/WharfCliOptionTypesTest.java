package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The CLI tells picocli to skip the converters of types no option takes ({@link WharfCli#UNUSED_CONVERTERS}):
 * an option of such a type would fail at every call ("No TypeConverter registered"), so this
 * checks every option and parameter of every command.
 */
class WharfCliOptionTypesTest {

    @TempDir
    Path clusterDir;

    @Test
    void noOptionTakesATypeWhoseConverterTheCliSkips() {
        CliEnvironment env = environment();
        List<String> skipped = Arrays.asList(WharfCli.UNUSED_CONVERTERS.split(","));
        List<CommandSpec> commands = new ArrayList<>();
        // Naming no command gets them all.
        List<Class<?>> all = WharfCli.commandsFor();
        collect(WharfCli.commandLine(env, all).getCommandSpec(), commands);
        assertTrue(commands.size() > all.size(), "subcommands of subcommands are walked too");

        List<String> offending = new ArrayList<>();
        for (CommandSpec command : commands) {
            for (ArgSpec arg : command.args()) {
                Stream.concat(Stream.of(arg.type()), Arrays.stream(arg.auxiliaryTypes()))
                        .map(Class::getName)
                        .filter(type -> skipped.stream().anyMatch(type::matches))
                        .forEach(type -> offending.add(command.qualifiedName() + " " + arg.paramLabel() + ": " + type));
            }
        }
        assertEquals(List.of(), offending);
    }

    @Test
    void anOptionOfASkippedTypeFailsSoTheCheckAboveMatters() {
        WharfCli.commandLine(environment(), List.of());  // as every call does: the property is set
        CommandLine withDuration = new CommandLine(new WithDuration());

        CommandLine.ParameterException refused = assertThrows(CommandLine.ParameterException.class,
                () -> withDuration.parseArgs("--within", "PT1S"));
        assertTrue(refused.getMessage().contains("java.time.Duration"), refused.getMessage());
    }

    /** What a command with a java.time option would look like. */
    @CommandLine.Command(name = "with-duration")
    static final class WithDuration {
        @CommandLine.Option(names = "--within")
        Duration within;
    }

    private CliEnvironment environment() {
        return new CliEnvironment(clusterDir, Optional.empty(), "unused-classpath",
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    private static void collect(CommandSpec command, List<CommandSpec> into) {
        into.add(command);
        for (CommandLine sub : command.subcommands().values()) {
            if (!into.contains(sub.getCommandSpec())) {
                collect(sub.getCommandSpec(), into);
            }
        }
    }
}

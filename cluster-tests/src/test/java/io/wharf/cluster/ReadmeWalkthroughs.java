package io.wharf.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The walk-throughs of a README: every fenced code block, except one whose line before is an HTML
 * comment starting with {@value #SKIP_MARKER}, split into shell commands, each under the
 * {@code ##} heading it belongs to. A command is one line, or several when a line ends with
 * {@code \} or a {@code for … do} is not yet closed by its {@code done}; lines that are only
 * comments ({@code # …}, notes for the reader on what to expect) between commands are left out.
 * Pure; immutable.
 *
 * @param blocks the walk-through blocks in the order they appear
 */
record ReadmeWalkthroughs(List<Block> blocks) {

    /** The start of the comment that keeps the next block from being run. */
    static final String SKIP_MARKER = "<!-- not a walk-through";

    private static final Pattern TRAILING_COMMENT = Pattern.compile("\\s#.*$");
    private static final Pattern WORD_SEPARATORS = Pattern.compile("[\\s;]+");

    /**
     * One code block.
     *
     * @param heading the {@code ##} heading above it
     * @param commands its commands in order, each as written (continuation lines included)
     */
    record Block(String heading, List<String> commands) {
        Block {
            commands = List.copyOf(commands);
        }
    }

    ReadmeWalkthroughs {
        blocks = List.copyOf(blocks);
    }

    /** The walk-throughs of {@code markdown}; a block that ends inside a command is refused. */
    static ReadmeWalkthroughs parse(String markdown) {
        List<Block> blocks = new ArrayList<>();
        String heading = "";
        String previous = "";
        List<String> block = null;
        boolean skipped = false;
        for (String line : markdown.split("\n", -1)) {
            if (block == null && line.startsWith("```")) {
                block = new ArrayList<>();
                skipped = previous.startsWith(SKIP_MARKER);
            } else if (block != null && line.startsWith("```")) {
                if (!skipped) {
                    blocks.add(new Block(heading, commands(heading, block)));
                }
                block = null;
            } else if (block != null) {
                block.add(line);
            } else if (line.startsWith("## ")) {
                heading = line.substring(3).strip();
            }
            if (!line.isBlank()) {
                previous = line.strip();
            }
        }
        return new ReadmeWalkthroughs(blocks);
    }

    /** Every command of every block, in order. */
    List<String> commands() {
        return blocks.stream().flatMap(b -> b.commands().stream()).toList();
    }

    private static List<String> commands(String heading, List<String> lines) {
        List<String> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int openLoops = 0;
        for (String line : lines) {
            String stripped = line.strip();
            if (current.isEmpty() && (stripped.isEmpty() || stripped.startsWith("#"))) {
                continue;
            }
            current.add(line.stripTrailing());
            openLoops += loopDepthChange(line);
            if (openLoops == 0 && !line.stripTrailing().endsWith("\\")) {
                commands.add(String.join("\n", current));
                current.clear();
            }
        }
        if (!current.isEmpty()) {
            throw new IllegalArgumentException("a code block under '" + heading + "' ends inside the command "
                    + String.join("\n", current));
        }
        return commands;
    }

    private static int loopDepthChange(String line) {
        int change = 0;
        for (String word : WORD_SEPARATORS.split(TRAILING_COMMENT.matcher(line).replaceFirst(""))) {
            if (word.equals("do")) {
                change++;
            } else if (word.equals("done")) {
                change--;
            }
        }
        return change;
    }
}

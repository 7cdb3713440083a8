package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How README code blocks become walk-through commands. */
class ReadmeWalkthroughsTest {

    @Test
    void commandsAreSplitAtLineEndsExceptAfterABackslashOrInsideALoopAndCommentLinesAreLeftOut() {
        String markdown = String.join("\n",
                "# Title",
                "## First",
                "```",
                "./wharf cluster up      # a note",
                "                        # more of the note",
                "# a note on its own line",
                "./wharf bench produce --topic t \\",
                "    --acks all",
                "for round in 1 2; do   # rounds",
                "  for item in a b; do echo \"$item:$round\"; done | ./wharf produce t",
                "done",
                "for i in 1 2; do ./wharf consume t & done; wait",
                "```",
                "## Second",
                "```",
                "./wharf cluster kill broker-2",
                "```");

        ReadmeWalkthroughs readme = ReadmeWalkthroughs.parse(markdown);

        assertEquals(List.of("First", "Second"), readme.blocks().stream().map(ReadmeWalkthroughs.Block::heading).toList());
        assertEquals(List.of(
                "./wharf cluster up      # a note",
                "./wharf bench produce --topic t \\\n    --acks all",
                "for round in 1 2; do   # rounds\n  for item in a b; do echo \"$item:$round\"; done | ./wharf produce t\ndone",
                "for i in 1 2; do ./wharf consume t & done; wait"), readme.blocks().get(0).commands());
        assertEquals(List.of("./wharf cluster kill broker-2"), readme.blocks().get(1).commands());
    }

    @Test
    void aBlockAfterTheSkipMarkerIsNotRun() {
        String markdown = String.join("\n",
                "## Start",
                "<!-- not a walk-through: it builds everything -->",
                "```",
                "./mvnw verify",
                "```",
                "```",
                "./wharf cluster up",
                "```");

        assertEquals(List.of("./wharf cluster up"), ReadmeWalkthroughs.parse(markdown).commands());
    }

    @Test
    void aBlockEndingInsideACommandIsRefused() {
        String markdown = String.join("\n", "## Broken", "```", "for i in 1 2; do", "  echo $i", "```");

        assertThrows(IllegalArgumentException.class, () -> ReadmeWalkthroughs.parse(markdown));
    }
}

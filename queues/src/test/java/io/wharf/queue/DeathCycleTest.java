package io.wharf.queue;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Death;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeathCycleTest {

    private static Death death(String queue, DeathReason reason) {
        return Death.newBuilder().setQueue(queue).setReason(reason.text()).setCount(1).build();
    }

    @Test
    void aQueueNotInTheHistoryIsNoCycle() {
        assertFalse(DeathCycle.isCycle(List.of(), "a"));
        assertFalse(DeathCycle.isCycle(List.of(death("b", DeathReason.EXPIRED), death("c", DeathReason.MAXLEN)), "a"));
    }

    @Test
    void backToAQueueItDiedInWithoutARejectionIsACycle() {
        // a expires into b, b expires back into a.
        assertTrue(DeathCycle.isCycle(List.of(death("b", DeathReason.EXPIRED), death("a", DeathReason.EXPIRED)), "a"));
        // a's own dead-letter exchange routes back to a.
        assertTrue(DeathCycle.isCycle(List.of(death("a", DeathReason.DELIVERY_LIMIT)), "a"));
        assertTrue(DeathCycle.isCycle(List.of(death("a", DeathReason.MAXLEN)), "a"));
    }

    @Test
    void aRejectionInTheCycleBreaksIt() {
        assertFalse(DeathCycle.isCycle(List.of(death("a", DeathReason.REJECTED)), "a"));
        assertFalse(DeathCycle.isCycle(List.of(death("b", DeathReason.REJECTED), death("a", DeathReason.EXPIRED)),
                "a"));
        assertFalse(DeathCycle.isCycle(List.of(death("b", DeathReason.EXPIRED), death("a", DeathReason.REJECTED)),
                "a"));
    }

    @Test
    void onlyTheDeathsSinceTheTargetsLatestCount() {
        // A rejection before the target's latest death is outside the cycle.
        assertTrue(DeathCycle.isCycle(List.of(death("b", DeathReason.EXPIRED), death("a", DeathReason.EXPIRED),
                death("c", DeathReason.REJECTED)), "a"));
        // The target's latest death is the one that counts, not an older one with a rejection after it.
        assertFalse(DeathCycle.isCycle(List.of(death("b", DeathReason.EXPIRED), death("a", DeathReason.REJECTED),
                death("a", DeathReason.EXPIRED)), "a"));
    }
}

package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GroupConfigTest {

    @Test
    void defaultsAreKafkas() {
        GroupConfig config = GroupConfig.defaults();
        assertEquals(45_000, config.sessionTimeoutFor(OptionalInt.empty()));
        assertEquals(5_000, config.heartbeatIntervalFor(OptionalInt.empty()));
        assertEquals(300_000, config.rebalanceTimeoutFor(OptionalInt.empty()));
        assertEquals(UniformAssignor.NAME, config.defaultAssignor().name());
        assertTrue(config.assignor(RangeAssignor.NAME).isPresent());
    }

    @Test
    void requestsAreClampedToTheBounds() {
        GroupConfig config = GroupConfig.defaults();
        assertEquals(45_000, config.sessionTimeoutFor(OptionalInt.of(1_000)));
        assertEquals(50_000, config.sessionTimeoutFor(OptionalInt.of(50_000)));
        assertEquals(60_000, config.sessionTimeoutFor(OptionalInt.of(600_000)));
        assertEquals(15_000, config.heartbeatIntervalFor(OptionalInt.of(20_000)));
    }

    @Test
    void inconsistentSettingsAreRefusedNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GroupConfig.defaults().withTimeouts(45_000, 50_000, 60_000, 5_000, 5_000, 15_000));
        assertTrue(e.getMessage().contains("session timeout"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GroupConfig.defaults().withTimeouts(1_000, 1_000, 1_000, 1_000, 1_000, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new GroupConfig(45_000, 45_000, 60_000, 5_000, 5_000,
                15_000, 300_000, List.of(new UniformAssignor(), new UniformAssignor()), 10));
        assertThrows(IllegalArgumentException.class, () -> new GroupConfig(45_000, 45_000, 60_000, 5_000, 5_000,
                15_000, 300_000, List.of(), 10));
    }
}

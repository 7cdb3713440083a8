package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProducerConfigTest {

    private static ProducerConfig.Builder builder() {
        return ProducerConfig.builder(List.of(new Endpoint("127.0.0.1", 17201)));
    }

    @Test
    void idempotenceIsOnByDefaultAndOffWhenUnsetButRuledOut() {
        assertTrue(builder().build().idempotence());
        assertFalse(builder().acks(1).build().idempotence());
        assertFalse(builder().maxInFlightPerBroker(6).build().idempotence());
        assertFalse(builder().idempotence(false).build().idempotence());
    }

    @Test
    void explicitIdempotenceWithAConflictingSettingIsRefusedNamingIt() {
        IllegalArgumentException acks = assertThrows(IllegalArgumentException.class,
                () -> builder().idempotence(true).acks(1).build());
        assertTrue(acks.getMessage().contains("acks=all"), acks.getMessage());
        IllegalArgumentException inFlight = assertThrows(IllegalArgumentException.class,
                () -> builder().idempotence(true).maxInFlightPerBroker(6).build());
        assertTrue(inFlight.getMessage().contains("max.in.flight.requests.per.connection"), inFlight.getMessage());
    }
}

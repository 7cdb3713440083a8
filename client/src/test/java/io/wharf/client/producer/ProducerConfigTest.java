package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void maxInFlightRequestsPerConnectionIsFiveByDefaultAndOneToFiveWithIdempotence() {
        assertEquals(5, builder().build().maxInFlightPerBroker());
        for (int inFlight = 1; inFlight <= ProducerConfig.MAX_IN_FLIGHT_WITH_IDEMPOTENCE; inFlight++) {
            ProducerConfig config = builder().idempotence(true).maxInFlightPerBroker(inFlight).build();
            assertEquals(inFlight, config.maxInFlightPerBroker());
            assertTrue(config.idempotence());
        }
        assertEquals(6, builder().idempotence(false).maxInFlightPerBroker(6).build().maxInFlightPerBroker(),
                "without idempotence there is no upper bound");
        for (Boolean idempotence : new Boolean[] {null, true, false}) {
            ProducerConfig.Builder zero = builder().maxInFlightPerBroker(0);
            if (idempotence != null) {
                zero.idempotence(idempotence);
            }
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, zero::build);
            assertTrue(refused.getMessage().contains("max.in.flight.requests.per.connection must be at least 1, got 0"),
                    refused.getMessage());
        }
    }
}

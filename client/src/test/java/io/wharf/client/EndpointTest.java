package io.wharf.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void parsesAListOfHostPorts() {
        assertEquals(List.of(new Endpoint("127.0.0.1", 17001), new Endpoint("ctl-2", 9)),
                Endpoint.parseList("127.0.0.1:17001, ctl-2:9"));
    }

    @Test
    void endpointsAreEqualExactlyWhenHostAndPortAre() {
        Endpoint endpoint = new Endpoint("ctl-1", 17001);
        assertEquals(endpoint, new Endpoint("ctl-1", 17001));
        assertEquals(endpoint.hashCode(), new Endpoint("ctl-1", 17001).hashCode());
        assertNotEquals(endpoint, new Endpoint("ctl-1", 17002));
        assertNotEquals(endpoint, new Endpoint("ctl-2", 17001));
        assertNotEquals(endpoint, "ctl-1:17001");
        assertEquals(java.util.Set.of(endpoint), new java.util.HashSet<>(List.of(endpoint, new Endpoint("ctl-1", 17001))));
    }

    @Test
    void rejectsMalformedEntriesNamingThem() {
        for (String bad : new String[] {"", "host", "host:", ":80", "host:x", "host:0", "host:70000", "a:1,,b:2"}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Endpoint.parseList(bad), bad);
            assertTrue(error.getMessage().contains("host:port") || error.getMessage().contains("port"), error.getMessage());
        }
    }
}

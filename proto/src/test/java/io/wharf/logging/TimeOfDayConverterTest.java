package io.wharf.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import java.util.Random;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class TimeOfDayConverterTest {

    /** UTC, whole-hour and half-hour offsets, northern and southern summer time, a 30-minute shift. */
    private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York",
            "Asia/Kolkata", "Australia/Sydney", "Australia/Lord_Howe", "America/St_Johns");

    private static final DateTimeFormatter LOGBACK_PATTERN = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Test
    void writesWhatTheDatePatternWritesAtRandomInstants() {
        Random random = new Random(20261207);
        for (String zoneId : ZONES) {
            TimeOfDayConverter converter = new TimeOfDayConverter(TimeZone.getTimeZone(zoneId));
            for (int i = 0; i < 20_000; i++) {
                // 1990 to 2040, in no particular order, so the cached second changes at every call.
                long epochMillis = 631_152_000_000L + (long) (random.nextDouble() * 1_577_836_800_000L);
                assertEquals(expected(epochMillis, zoneId), converter.format(epochMillis), zoneId + " at " + epochMillis);
            }
        }
    }

    @Test
    void followsEveryOffsetChangeAroundItsTransitions() {
        for (String zoneId : ZONES) {
            TimeOfDayConverter converter = new TimeOfDayConverter(TimeZone.getTimeZone(zoneId));
            ZoneOffsetTransition transition = ZoneId.of(zoneId).getRules().nextTransition(Instant.parse("2026-01-01T00:00:00Z"));
            if (transition == null) {
                continue;
            }
            long at = transition.getInstant().toEpochMilli();
            // Every 250 ms from two seconds before the change to two after, in order, as a log is written.
            for (long epochMillis = at - 2_000; epochMillis <= at + 2_000; epochMillis += 250) {
                assertEquals(expected(epochMillis, zoneId), converter.format(epochMillis), zoneId + " at " + epochMillis);
            }
        }
    }

    @Test
    void padsMillisecondsAndReusesTheSecondWithinIt() {
        TimeOfDayConverter converter = new TimeOfDayConverter(TimeZone.getTimeZone("UTC"));
        long second = Instant.parse("2026-12-07T09:05:03Z").toEpochMilli();
        assertEquals("09:05:03.000", converter.format(second));
        assertEquals("09:05:03.007", converter.format(second + 7));
        assertEquals("09:05:03.042", converter.format(second + 42));
        assertEquals("09:05:03.999", converter.format(second + 999));
        assertEquals("09:05:04.000", converter.format(second + 1_000));
        assertEquals("23:59:59.999", converter.format(Instant.parse("1969-12-31T23:59:59.999Z").toEpochMilli()));
    }

    private static String expected(long epochMillis, String zoneId) {
        return LOGBACK_PATTERN.format(Instant.ofEpochMilli(epochMillis).atZone(ZoneId.of(zoneId)));
    }
}

package io.wharf.client.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.wharf.client.Endpoint;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** DataPlaneErrors, and docs/errors.md against ErrorCode: the table is read, not copied here. */
class DataPlaneErrorsTest {

    /** docs/errors.md, from the module directory the tests run in. */
    private static final Path ERRORS_DOC = Path.of("..", "docs", "errors.md");
    /** | code | NAME | retriable | meaning |: the first three captured. */
    private static final Pattern TABLE_ROW =
            Pattern.compile("^\\|\\s*(\\d+)\\s*\\|\\s*([A-Z_]+)\\s*\\|\\s*([^|]*?)\\s*\\|.*");

    /** One row of the error table: number, name and the retriable column as written. */
    private record DocumentedError(int number, String name, String retriable) {
    }

    private static Error notLeader(int id, String endpoint) {
        return Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setLeaderId(id).setLeaderEndpoint(endpoint).build();
    }

    @Test
    void onlyANotLeaderNamingAnotherBrokerIsARedirect() {
        Endpoint asked = new Endpoint("127.0.0.1", 17201);
        assertTrue(DataPlaneErrors.redirectsElsewhere(notLeader(2, "127.0.0.1:17202"), asked));
        assertFalse(DataPlaneErrors.redirectsElsewhere(notLeader(1, "127.0.0.1:17201"), asked), "taking leadership");
        assertFalse(DataPlaneErrors.redirectsElsewhere(notLeader(-1, ""), asked), "no leader right now");
        assertFalse(DataPlaneErrors.redirectsElsewhere(Error.newBuilder().setCode(ErrorCode.NOT_ENOUGH_REPLICAS)
                .setLeaderId(2).setLeaderEndpoint("127.0.0.1:17202").build(), asked));
    }

    private static List<DocumentedError> documentedErrors() throws IOException {
        List<DocumentedError> rows = new ArrayList<>();
        for (String line : Files.readAllLines(ERRORS_DOC)) {
            if (!line.matches("^\\|\\s*\\d+\\s*\\|.*")) {
                continue;
            }
            Matcher row = TABLE_ROW.matcher(line);
            assertTrue(row.matches(), ERRORS_DOC + ": a table row not of the form | code | NAME | retriable | ...: "
                    + line);
            rows.add(new DocumentedError(Integer.parseInt(row.group(1)), row.group(2), row.group(3)));
        }
        assertFalse(rows.isEmpty(), ERRORS_DOC.toAbsolutePath() + " has no error table");
        return rows;
    }

    private static List<ErrorCode> codes() {
        return Arrays.stream(ErrorCode.values()).filter(code -> code != ErrorCode.UNRECOGNIZED).toList();
    }

    @Test
    void everyErrorCodeIsInDocsErrorsWithItsNumberAndNothingElseIs() throws IOException {
        Map<String, Integer> documented = new TreeMap<>();
        for (DocumentedError row : documentedErrors()) {
            Integer before = documented.put(row.name(), row.number());
            assertNull(before, row.name() + " is documented twice");
        }
        Map<String, Integer> defined = new TreeMap<>();
        codes().forEach(code -> defined.put(code.name(), code.getNumber()));
        // compared whole, so the failure lists every code missing, misnumbered or unknown on either side
        assertEquals(defined, documented, "ErrorCode in common.proto against the table in " + ERRORS_DOC);
    }

    @Test
    void retriableCodesFollowDocsErrors() throws IOException {
        Map<ErrorCode, Boolean> expected = new TreeMap<>();
        Map<ErrorCode, Boolean> actual = new TreeMap<>();
        for (DocumentedError row : documentedErrors()) {
            if (row.number() == ErrorCode.NONE_VALUE) {
                continue;
            }
            ErrorCode code = ErrorCode.forNumber(row.number());
            assertNotNull(code, "no ErrorCode numbered " + row.number() + " (" + row.name() + ")");
            assertTrue(List.of("yes", "no", "see note").contains(row.retriable()),
                    row.name() + ": the retriable column says '" + row.retriable() + "'");
            // A code retriable only in some cases ("see note") is not retriable as such: its caller
            // decides, and a blind retry must not happen.
            expected.put(code, row.retriable().equals("yes"));
            actual.put(code, DataPlaneErrors.isRetriable(code));
        }
        assertEquals(expected, actual, "DataPlaneErrors.isRetriable against the retriable column of " + ERRORS_DOC);
        assertTrue(DataPlaneErrors.isRetriable(Status.Code.UNAVAILABLE));
        assertFalse(DataPlaneErrors.isRetriable(Status.Code.INVALID_ARGUMENT));
    }
}

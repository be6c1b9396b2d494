package io.ringroute.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class LookupKeysTest {

    @Test
    void aLargerKeySetIsDistinctAndStartsWithTheDefaultKeys() {
        String[] larger = LookupKeys.strings(1 << 15);
        assertThat(new HashSet<>(Arrays.asList(larger))).hasSize(1 << 15);
        assertThat(Arrays.copyOf(larger, LookupKeys.COUNT)).containsExactly(LookupKeys.strings());
    }

    @Test
    void aKeyCountThatIsNotAPowerOfTwoOfAtLeast4096IsRefusedByName() {
        assertThatThrownBy(() -> LookupKeys.strings(5000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5000");
        assertThatThrownBy(() -> LookupKeys.strings(2048)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2048");
    }
}

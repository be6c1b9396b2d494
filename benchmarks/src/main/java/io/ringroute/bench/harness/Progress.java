package io.ringroute.bench.harness;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for long runs, or nothing (tests, pipes). */
interface Progress extends AutoCloseable {

    Progress NONE = new Progress() {
        @Override
        public void step(long n) {
        }

        @Override
        public void close() {
        }
    };

    void step(long n);

    @Override
    void close();

    static Progress bar(String task, long total) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setUnit(" keys", 1)
                .build();
        return new Progress() {
            @Override
            public void step(long n) {
                bar.stepBy(n);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }
}

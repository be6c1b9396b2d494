package io.ringroute.bench.jmh;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every cache write pays to register in the current write phase (issue 17 item 6): enter the cluster client's
 * {@code WritePhases}, then exit the phase, from 4 threads at once on one client. The classes are package-private
 * in {@code io.ringroute.cache}, so they are reached through method handles held in static finals, which the JIT
 * inlines like direct calls.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(4)
public class WritePhaseBenchmark {

    private static final MethodHandle NEW_PHASES;
    private static final MethodHandle ENTER;
    private static final MethodHandle EXIT;

    static {
        try {
            Class<?> phases = Class.forName("io.ringroute.cache.WritePhases");
            Class<?> phase = Class.forName("io.ringroute.cache.WritePhase");
            Constructor<?> init = phases.getDeclaredConstructor();
            init.setAccessible(true);
            Method enter = phases.getDeclaredMethod("enter");
            enter.setAccessible(true);
            Method exit = phase.getDeclaredMethod("exit");
            exit.setAccessible(true);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEW_PHASES = lookup.unreflectConstructor(init).asType(MethodType.methodType(Object.class));
            ENTER = lookup.unreflect(enter).asType(MethodType.methodType(Object.class, Object.class));
            EXIT = lookup.unreflect(exit).asType(MethodType.methodType(void.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object phases;

    public WritePhaseBenchmark() {
        try {
            phases = (Object) NEW_PHASES.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot create the write phases", t);
        }
    }

    /** One write's registration: enter the current phase, then leave it. */
    @Benchmark
    public Object enterExit() throws Throwable {
        Object phase = (Object) ENTER.invokeExact(phases);
        EXIT.invokeExact(phase);
        return phase;
    }
}

package dev.lipsim.ffmgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generates bindings for a few libc functions, compiles them and calls through them. */
class GenerateBindingsTest {

    private static final String LIBC_HEADER = """
            #include <stddef.h>
            typedef int32_t status_t;
            size_t strlen(const char* s);
            status_t abs(status_t value);
            double fabs(double x);
            """;

    @TempDir
    Path work;

    @Test
    void generatedClassCallsNativeFunctions() throws Throwable {
        Class<?> libc = compileAndLoad(
                GenerateBindings.generate(LIBC_HEADER, "libc.h", "gen.test", "LibC", List.of()), "gen.test.LibC");

        assertEquals(7, (int) libc.getMethod("abs", int.class).invoke(null, -7));
        assertEquals(2.5, (double) libc.getMethod("fabs", double.class).invoke(null, -2.5));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom("hello, world");
            assertEquals(12L, (long) libc.getMethod("strlen", MemorySegment.class).invoke(null, text));
        }

        FunctionDescriptor descriptor = (FunctionDescriptor) libc.getMethod("strlen$descriptor").invoke(null);
        assertEquals(FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS.withTargetLayout(
                java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE))), descriptor);
        MethodHandle handle = (MethodHandle) libc.getMethod("abs$handle").invoke(null);
        assertEquals(3, (int) handle.invoke(-3));
        MemorySegment address = (MemorySegment) libc.getMethod("fabs$address").invoke(null);
        assertTrue(address.address() != 0);
        assertEquals(ValueLayout.JAVA_INT, libc.getField("status_t").get(null));
    }

    @Test
    void aStructTypedefBecomesAGroupLayoutOfItsBytes() throws Throwable {
        Class<?> ids = compileAndLoad(GenerateBindings.generate("""
                typedef struct { char internal[128]; } unique_id;
                int init(void** comm, int ranks, unique_id id, int rank);
                """, "ids.h", "gen.test", "Ids", List.of()), "gen.test.Ids");
        MemoryLayout expected = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(128, ValueLayout.JAVA_BYTE)
                .withName("internal")).withName("unique_id");
        assertEquals(expected, ids.getField("unique_id").get(null));
        assertEquals(128, expected.byteSize());
        ids.getMethod("init", MemorySegment.class, int.class, MemorySegment.class, int.class); // the struct travels as a segment
    }

    @Test
    void namedLibrariesComeFirstInTheLookup() {
        String source = GenerateBindings.generate(LIBC_HEADER, "libc.h", "gen.test", "LibC", List.of("m", "c"));
        assertTrue(source.contains("SymbolLookup.libraryLookup(System.mapLibraryName(\"m\"), LIBRARY_ARENA)\n"
                + "            .or(SymbolLookup.libraryLookup(System.mapLibraryName(\"c\"), LIBRARY_ARENA)\n"
                + "            .or(SymbolLookup.loaderLookup()))\n"
                + "            .or(Linker.nativeLinker().defaultLookup());"), source);
    }

    @Test
    void mainLeavesAnUnchangedFileAlone() throws IOException {
        Path header = Files.writeString(work.resolve("libc.h"), LIBC_HEADER);
        Path out = work.resolve("out");
        String[] args = {header.toString(), out.toString(), "gen.test", "LibC"};
        GenerateBindings.main(args);
        Path generated = out.resolve("gen/test/LibC.java");
        var firstWrite = Files.getLastModifiedTime(generated);
        Files.setLastModifiedTime(generated, java.nio.file.attribute.FileTime.fromMillis(firstWrite.toMillis() - 60_000));
        var backdated = Files.getLastModifiedTime(generated);
        GenerateBindings.main(args);
        assertEquals(backdated, Files.getLastModifiedTime(generated));
        assertEquals(List.of("strlen", "abs", "fabs"), GenerateBindings.functionNames(LIBC_HEADER, "libc.h"));
    }

    private Class<?> compileAndLoad(String source, String className) throws Exception {
        Path sourceFile = work.resolve("src").resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(sourceFile.getParent());
        Files.writeString(sourceFile, source);
        Path classes = Files.createDirectories(work.resolve("classes"));
        int status = ToolProvider.getSystemJavaCompiler()
                .run(null, null, null, "-d", classes.toString(), sourceFile.toString());
        assertEquals(0, status, "generated source must compile");
        var loader = new URLClassLoader(new java.net.URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
        return Class.forName(className, true, loader);
    }
}

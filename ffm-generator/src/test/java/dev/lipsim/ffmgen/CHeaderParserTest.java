package dev.lipsim.ffmgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CHeaderParserTest {

    private static final String HEADER = """
            #include <stdint.h>
            /* a block
               comment */
            typedef int32_t Status;            // a scalar alias
            typedef struct HandleOpaque* Handle;
            #ifdef SOMETHING
            uint64_t version(void);
            #endif
            Status make(int64_t ndim, const int64_t* sizes,
                        Handle* ret);
            void set_enabled(bool enabled);
            double scale(double, float factor);
            """;

    @Test
    void readsTypedefsAndPrototypes() {
        CDeclarations declarations = CHeaderParser.parse(HEADER, "test.h");

        assertEquals(List.of("Status", "Handle"),
                declarations.typedefs().stream().map(CDeclarations.Typedef::name).toList());
        assertEquals("C_INT", declarations.typedefs().get(0).target().layout());
        assertEquals("C_POINTER", declarations.typedefs().get(1).target().layout());

        List<CDeclarations.Function> functions = declarations.functions();
        assertEquals(List.of("version", "make", "set_enabled", "scale"),
                functions.stream().map(CDeclarations.Function::name).toList());

        CDeclarations.Function version = functions.get(0);
        assertEquals("long", version.returnType().javaType());
        assertTrue(version.parameters().isEmpty());

        CDeclarations.Function make = functions.get(1);
        assertEquals("Status", make.returnType().spelling());
        assertEquals("int", make.returnType().javaType());
        assertEquals(List.of("ndim", "sizes", "ret"), make.parameters().stream().map(CDeclarations.Parameter::name).toList());
        assertEquals(List.of("long", "MemorySegment", "MemorySegment"),
                make.parameters().stream().map(p -> p.type().javaType()).toList());
        assertEquals("Status make(int64_t ndim, const int64_t* sizes, Handle* ret);", make.declaration());

        assertEquals("void", functions.get(2).returnType().javaType());
        assertEquals("boolean", functions.get(2).parameters().get(0).type().javaType());

        CDeclarations.Function scale = functions.get(3);
        assertEquals(List.of("x0", "factor"), scale.parameters().stream().map(CDeclarations.Parameter::name).toList());
        assertEquals(List.of("C_DOUBLE", "C_FLOAT"), scale.parameters().stream().map(p -> p.type().layout()).toList());
    }

    @Test
    void readsStructsOfOneCharArrayPassedByValue() {
        CDeclarations declarations = CHeaderParser.parse("""
                typedef struct { char internal[128]; } unique_id;
                int init(void** comm, int ranks, unique_id id, int rank);
                int make_id(unique_id* id);
                """, "ids.h");
        CDeclarations.Typedef id = declarations.typedefs().getFirst();
        assertEquals(new CDeclarations.CharArray("internal", 128), id.struct());
        assertTrue(id.target().isStruct());
        assertEquals("GroupLayout", id.target().layoutClass());
        List<CType> init = declarations.functions().get(0).parameters().stream().map(CDeclarations.Parameter::type).toList();
        assertEquals(List.of("C_POINTER", "C_INT", "unique_id", "C_INT"), init.stream().map(CType::layout).toList());
        assertEquals("C_POINTER", declarations.functions().get(1).parameters().getFirst().type().layout(),
                "a pointer to the struct is a plain pointer");
        var returned = assertThrows(IllegalArgumentException.class,
                () -> CHeaderParser.parse("typedef struct { char b[8]; } id; id make(void);", "ids.h"));
        assertTrue(returned.getMessage().contains("struct return"), returned.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CHeaderParser.parse("typedef struct { int a; int b; } pair; int f(pair p);", "ids.h"));
    }

    @Test
    void rejectsUnknownTypesNamingTheDeclaration() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> CHeaderParser.parse("mystery_t frob(int x);", "bad.h"));
        assertTrue(error.getMessage().contains("bad.h"), error.getMessage());
        assertTrue(error.getMessage().contains("mystery_t"), error.getMessage());
        assertTrue(error.getMessage().contains("frob"), error.getMessage());
    }

    @Test
    void rejectsFunctionPointersAndVarargs() {
        assertThrows(IllegalArgumentException.class,
                () -> CHeaderParser.parse("int run(void (*fn)(int));", "bad.h"));
        assertThrows(IllegalArgumentException.class,
                () -> CHeaderParser.parse("int printf(const char* format, ...);", "bad.h"));
    }
}

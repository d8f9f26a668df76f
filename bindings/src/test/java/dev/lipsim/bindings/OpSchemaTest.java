package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lipsim.bindings.SchemaType.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpSchemaTest {

    @Test
    void parsesArgumentsAnnotationsAndTupleReturns() {
        OpSchema schema = OpSchema.parse("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
        assertEquals("aten::max", schema.name());
        assertEquals("dim", schema.overload());
        assertEquals("aten::max.dim", schema.qualifiedName());
        assertEquals(List.of("self", "dim", "keepdim"), schema.arguments().stream().map(OpSchema.Argument::name).toList());
        assertEquals(List.of(Kind.TENSOR, Kind.INT, Kind.BOOL), schema.arguments().stream().map(a -> a.type().kind()).toList());
        assertEquals(List.of(Kind.TENSOR, Kind.TENSOR), schema.returns().stream().map(SchemaType::kind).toList());
    }

    @Test
    void parsesOptionalsListsKeywordOnlyAndAliases() {
        OpSchema schema = OpSchema.parse("aten::sum.dim_IntList(Tensor(a!) self, SymInt[1]? dim, bool keepdim=False, *, "
                + "ScalarType? dtype=None, Tensor?[] indices, Tensor(a)[] list, float[]? scales, Device device, str mode='a,b') "
                + "-> Tensor(a!)");
        List<SchemaType> types = schema.arguments().stream().map(OpSchema.Argument::type).toList();
        assertEquals(List.of(Kind.TENSOR, Kind.INT_LIST, Kind.BOOL, Kind.SCALAR_TYPE, Kind.OPTIONAL_TENSOR_LIST,
                Kind.TENSOR_LIST, Kind.FLOAT_LIST, Kind.DEVICE, Kind.STRING), types.stream().map(SchemaType::kind).toList());
        assertEquals(List.of(false, true, false, true, false, false, true, false, false),
                types.stream().map(SchemaType::optional).toList());
        assertEquals(List.of(Kind.TENSOR), schema.returns().stream().map(SchemaType::kind).toList());
    }

    @Test
    void parsesDefaultOverloadAndEmptyReturn() {
        OpSchema schema = OpSchema.parse("aten::_backward(Tensor self, Tensor[] inputs, Tensor? gradient=None) -> ()");
        assertEquals("", schema.overload());
        assertEquals("aten::_backward", schema.qualifiedName());
        assertEquals(List.of(), schema.returns());
        assertEquals(Kind.TENSOR_LIST, OpSchema.parse("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size) -> Tensor(a)[]")
                .returns().get(0).kind());
    }

    @Test
    void rejectsWhatIsNotASchema() {
        assertThrows(IllegalArgumentException.class, () -> OpSchema.parse("mm(Tensor self) -> Tensor"));
        assertThrows(IllegalArgumentException.class, () -> OpSchema.parse("aten::mm(Tensor) -> Tensor"));
        assertEquals(Kind.SCALAR, SchemaType.parse("Scalar").kind());
        assertEquals(Kind.UNSUPPORTED, SchemaType.parse("Generator?").kind());
    }
}

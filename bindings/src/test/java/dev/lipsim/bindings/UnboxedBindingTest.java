package dev.lipsim.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.bindings.ItaniumMangling.Builtin;
import dev.lipsim.bindings.ItaniumMangling.Const;
import dev.lipsim.bindings.ItaniumMangling.Named;
import dev.lipsim.bindings.ItaniumMangling.Reference;
import dev.lipsim.bindings.ItaniumMangling.Template;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Symbols derived from schemas, against the names libtorch exports (read with {@code nm -D}). */
class UnboxedBindingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            aten::mul.Tensor(Tensor self, Tensor other) -> Tensor | _ZN2at4_ops10mul_Tensor4callERKNS_6TensorES4_
            aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a) | _ZN2at4_ops4view4callERKNS_6TensorEN3c108ArrayRefINS5_6SymIntEEE
            aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor | _ZN2at4_ops6linear4callERKNS_6TensorES4_RKSt8optionalIS2_E
            aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices) | _ZN2at4_ops7max_dim4callERKNS_6TensorElb
            aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor | _ZN2at4_ops6argmax4callERKNS_6TensorESt8optionalIlEb
            aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor | _ZN2at4_ops3sum4callERKNS_6TensorESt8optionalIN3c1010ScalarTypeEE
            aten::permute(Tensor(a) self, int[] dims) -> Tensor(a) | _ZN2at4_ops7permute4callERKNS_6TensorEN3c108ArrayRefIlEE
            """)
    void symbolsMatchLibtorchsNames(String schema, String symbol) {
        UnboxedEntry.Binding binding = UnboxedEntry.bind(OpSchema.parse(schema));
        assertNotNull(binding.entry(), binding.refusal());
        assertEquals(symbol, binding.entry().symbol);
    }

    @Test
    void substitutionsCountInBase36AndReuseTemplateNames() {
        // at::_ops::conv2d::call(const Tensor&, const Tensor&, const optional<Tensor>&, SymIntArrayRef x3, SymInt)
        var tensorRef = new Reference(new Const(new Named("at", "Tensor")));
        var symInt = new Named("c10", "SymInt");
        var symInts = new Template(new Named("c10", "ArrayRef"), symInt);
        var optionalTensor = new Reference(new Const(new Template(new Named("std", "optional"), new Named("at", "Tensor"))));
        assertEquals("_ZN2at4_ops6conv2d4callERKNS_6TensorES4_RKSt8optionalIS2_EN3c108ArrayRefINS9_6SymIntEEESC_SC_SB_",
                ItaniumMangling.function(List.of("at", "_ops", "conv2d", "call"),
                        List.of(tensorRef, tensorRef, optionalTensor, symInts, symInts, symInts, symInt)));
        // a second specialisation of a template already seen substitutes its name: N S<n>_ I...E E
        var longs = new Template(new Named("c10", "ArrayRef"), new Builtin("l"));
        assertEquals("_ZN2at4_ops1f4callEN3c108ArrayRefINS2_6SymIntEEENS3_IlEE",
                ItaniumMangling.function(List.of("at", "_ops", "f", "call"), List.of(symInts, longs)));
        assertEquals("S_", ItaniumMangling.substitution(0));
        assertEquals("S9_", ItaniumMangling.substitution(10));
        assertEquals("SA_", ItaniumMangling.substitution(11));
        assertEquals("S10_", ItaniumMangling.substitution(37));
    }

    /** What a probe marks failed when its op is missing from libtorch: the layouts read off the schema. */
    @Test
    void anOpsLayoutsComeFromItsSchemaEvenWithoutAnEntryPoint() {
        OpSchema missing = OpSchema.parse("aten::no_such_op(Tensor self, int[] dims, bool keepdim) -> (Tensor a, Tensor b)");
        String refusal = UnboxedEntry.bind(missing).refusal();
        assertTrue(refusal.startsWith("libtorch does not export _ZN2at4_ops10no_such_op4call"), refusal);
        assertEquals(List.of(UnboxedEntry.Carrier.TENSOR, UnboxedEntry.Carrier.INT_ARRAY, UnboxedEntry.Carrier.BOOL,
                UnboxedEntry.Result.TENSOR_PAIR), UnboxedEntry.layoutsOf(missing));
    }

    @Test
    void everyRuledOpBindsAndPassesItsLayoutChecks() {
        assertTrue(LayoutProbes.failed().isEmpty(), "failed layout checks: " + LayoutProbes.failed());
        for (String schema : UnboxedRules.schemas()) {
            AtenOp op = AtenOp.of(schema);
            assertNull(op.boxedReason, schema + ": " + op.boxedReason);
        }
    }

    @Test
    void opsWithoutRulesOrLayoutsStayBoxed() {
        assertEquals("no precondition known for this schema",
                AtenOp.of("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=[1, 1], "
                        + "SymInt[2] padding=[0, 0], SymInt[2] dilation=[1, 1], SymInt groups=1) -> Tensor").boxedReason);
        UnboxedEntry.Binding inPlace = UnboxedEntry.bind(OpSchema.parse("aten::mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)"));
        assertTrue(inPlace.refusal().contains("Tensor(a!) self"), inPlace.refusal());
        UnboxedEntry.Binding wrong = UnboxedEntry.bind(OpSchema.parse("aten::mul.Tensor(Tensor self, int other) -> Tensor"));
        assertTrue(wrong.refusal().startsWith("libtorch does not export _ZN2at4_ops10mul_Tensor4callERKNS_6TensorEl"),
                wrong.refusal());
    }
}

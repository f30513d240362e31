using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>
/// Plotly.NET runs in the notebook hosts only because requests for FSharp.Core 10.1 are answered with the hosts'
/// FSharp.Core 10.0 (<see cref="FSharpCoreBinding"/>). That is safe only while every FSharp.Core type and member the
/// charting assemblies use exists in the hosts' file: checked here, so that a package upgrade that breaks it fails a
/// test instead of a learner's notebook.
/// </summary>
public class FSharpCoreBindingTests
{
    private static readonly string PackageRoot = typeof(FSharpCoreBindingTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>dotnet-repl (run-course.sh) and the Jupyter kernel load this file (identical in both, file version 10.1.326).</summary>
    private static string DotnetReplFSharpCore => Path.Combine(PackageRoot, "dotnet-repl", "0.3.259", "tools", "net10.0", "any", "FSharp.Core.dll");

    private static readonly string JupyterKernelFSharpCore = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        ".dotnet", "tools", ".store", "microsoft.dotnet-interactive", "1.0.712001", "microsoft.dotnet-interactive", "1.0.712001",
        "tools", "net10.0", "any", "FSharp.Core.dll");

    /// <summary>What the charts load: Plotly.NET and its F# dependencies, the C# bindings, and the kernel extension.</summary>
    private static IEnumerable<string> ChartingAssemblies() =>
    [
        .. new[] { "Plotly.NET", "Plotly.NET.CSharp", "DynamicObj", "Giraffe.ViewEngine", "Fable.Core" }
            .Select(name => Path.Combine(AppContext.BaseDirectory, name + ".dll")),
        Path.Combine(PackageRoot, "plotly.net.interactive", "6.0.0", "interactive-extensions", "dotnet", "Plotly.NET.Interactive.dll"),
    ];

    [Fact]
    public void Every_FSharp_Core_member_the_charts_use_exists_in_the_hosts_FSharp_Core()
    {
        Assert.True(File.Exists(DotnetReplFSharpCore), $"{DotnetReplFSharpCore} is missing: run scripts/setup.sh (dotnet tool restore).");
        var hosts = new[] { DotnetReplFSharpCore, JupyterKernelFSharpCore }.Where(File.Exists);
        foreach (string host in hosts)
        {
            var available = Definitions(host);
            Assert.Equal(new Version(10, 0, 0, 0), AssemblyName.GetAssemblyName(host).Version);
            int used = 0;
            foreach (string assembly in ChartingAssemblies())
            {
                Assert.True(File.Exists(assembly), $"{assembly} is missing.");
                var references = FSharpCoreReferences(assembly);
                var missing = references.Where(r => !available.Contains(r)).ToList();
                Assert.True(missing.Count == 0,
                    $"{Path.GetFileName(assembly)} uses {missing.Count} FSharp.Core members that {host} lacks:\n" + string.Join("\n", missing.Take(10)));
                used += references.Count;
            }
            Assert.True(used > 500, $"only {used} FSharp.Core references found: the reader is not seeing them");
        }
    }

    /// <summary>The handler answers only for FSharp.Core of the major version already loaded; anything else is left to fail.</summary>
    [Fact]
    public void Only_FSharp_Core_of_the_loaded_major_version_is_redirected()
    {
        var loaded = typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly;                     // 10.1 here, from the build output
        var sameMajor = new AssemblyName($"FSharp.Core, Version={loaded.GetName().Version!.Major}.9.0.0");
        Assert.Same(loaded, FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, sameMajor));
        Assert.Null(FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, new AssemblyName("FSharp.Core, Version=99.0.0.0")));
        Assert.Null(FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, new AssemblyName("Plotly.NET, Version=6.0.0.0")));
    }

    /// <summary>"Namespace.Type/Nested::Member signature" for every type, method and field FSharp.Core defines.</summary>
    private static HashSet<string> Definitions(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var names = new SignatureNames();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            string typeName = SignatureNames.FullName(md, handle);
            result.Add(typeName);
            foreach (var m in type.GetMethods().Select(md.GetMethodDefinition))
                result.Add($"{typeName}::{md.GetString(m.Name)}{Describe(m.DecodeSignature(names, null))}");
            foreach (var f in type.GetFields().Select(md.GetFieldDefinition))
                result.Add($"{typeName}::{md.GetString(f.Name)} {f.DecodeSignature(names, null)}");
        }
        return result;
    }

    /// <summary>The same descriptions for every type and member <paramref name="path"/> takes from FSharp.Core.</summary>
    private static List<string> FSharpCoreReferences(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var fsharpCore = md.AssemblyReferences.Where(h => md.GetString(md.GetAssemblyReference(h).Name) == "FSharp.Core").ToList();
        if (fsharpCore.Count == 0)
            return [];
        bool FromFSharpCore(TypeReferenceHandle h)
        {
            var scope = md.GetTypeReference(h).ResolutionScope;
            return scope.Kind == HandleKind.TypeReference ? FromFSharpCore((TypeReferenceHandle)scope)
                : scope.Kind == HandleKind.AssemblyReference && fsharpCore.Contains((AssemblyReferenceHandle)scope);
        }
        var names = new SignatureNames();
        var result = md.TypeReferences.Where(FromFSharpCore).Select(h => SignatureNames.FullName(md, h)).ToList();
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            TypeReferenceHandle? parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => (TypeReferenceHandle)member.Parent,
                HandleKind.TypeSpecification => GenericDefinition(md, (TypeSpecificationHandle)member.Parent),
                _ => null,
            };
            if (parent is not { } p || !FromFSharpCore(p))
                continue;
            string name = $"{SignatureNames.FullName(md, p)}::{md.GetString(member.Name)}";
            result.Add(member.GetKind() == MemberReferenceKind.Method
                ? name + Describe(member.DecodeMethodSignature(names, null))
                : $"{name} {member.DecodeFieldSignature(names, null)}");
        }
        return result;
    }

    /// <summary>The generic type an instantiation such as FSharpOption&lt;string&gt; is made from.</summary>
    private static TypeReferenceHandle? GenericDefinition(MetadataReader md, TypeSpecificationHandle handle)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
            return null;
        blob.ReadCompressedInteger();                                                             // class or value type
        var definition = blob.ReadTypeHandle();
        return definition.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)definition : null;
    }

    private static string Describe(MethodSignature<string> s) =>
        $"`{s.GenericParameterCount}({string.Join(",", s.ParameterTypes)}) {s.ReturnType}{(s.Header.IsInstance ? " instance" : "")}";

    /// <summary>Types written by full name only (no assembly), so netstandard's String equals System.Runtime's.</summary>
    private sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        public static string FullName(MetadataReader md, TypeDefinitionHandle h)
        {
            var t = md.GetTypeDefinition(h);
            string name = md.GetString(t.Name);
            return t.GetDeclaringType() is { IsNil: false } outer ? $"{FullName(md, outer)}/{name}" : Qualified(md.GetString(t.Namespace), name);
        }

        public static string FullName(MetadataReader md, TypeReferenceHandle h)
        {
            var t = md.GetTypeReference(h);
            string name = md.GetString(t.Name);
            return t.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{FullName(md, (TypeReferenceHandle)t.ResolutionScope)}/{name}"
                : Qualified(md.GetString(t.Namespace), name);
        }

        private static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => FullName(reader, handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => FullName(reader, handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}

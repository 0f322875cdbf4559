using System.Reflection;
using System.Text.RegularExpressions;
using ImageBuilder.Build.Engine;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>The engine speaks only its own types at its seams, so it can be tested (and later run) without Linux's machinery.</summary>
public sealed partial class EngineSeamTests
{
    [Fact]
    public void No_engine_source_file_uses_ImageBuilder_Linux()
    {
        var folder = Path.Combine(RepoPaths.Root, "src", "ImageBuilder.Build", "Engine");
        var offending = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && LinuxReference().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();

        Assert.True(Directory.EnumerateFiles(folder, "*.cs").Count() > 5, "the engine's sources were not found");
        Assert.Empty(offending);
    }

    [Fact]
    public void No_engine_type_has_a_Linux_type_in_a_signature()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var engineTypes = typeof(BuildEngine).Assembly.GetTypes().Where(t => t.Namespace == typeof(BuildEngine).Namespace).ToList();
        var used = engineTypes.SelectMany(t => t.GetMembers(all).SelectMany(m => m switch
            {
                MethodBase method => [.. method.GetParameters().Select(p => p.ParameterType), .. method is MethodInfo info ? [info.ReturnType] : Type.EmptyTypes],
                FieldInfo field => [field.FieldType],
                PropertyInfo property => [property.PropertyType],
                _ => Type.EmptyTypes,
            }).Select(type => (Member: $"{t.Name}.{t.Name}", Type: type)))
            .SelectMany(u => Flatten(u.Type).Select(type => (u.Member, type)))
            .Where(u => u.type.Namespace?.StartsWith("ImageBuilder.Linux", StringComparison.Ordinal) == true)
            .Select(u => $"{u.Member}: {u.type.FullName}")
            .ToList();

        Assert.Contains(typeof(IStepRunner), engineTypes);
        Assert.Empty(used);
    }

    private static IEnumerable<Type> Flatten(Type type) =>
        type.IsGenericType ? [type, .. type.GetGenericArguments().SelectMany(Flatten)]
        : type.HasElementType ? [type, .. Flatten(type.GetElementType()!)]
        : [type];

    [GeneratedRegex(@"\bLinux\.|ImageBuilder\.Linux")]
    private static partial Regex LinuxReference();
}

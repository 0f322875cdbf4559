using System.Reflection;
using ImageBuilder.Build.Engine;
using ImageBuilder.Dockerfile;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>Error codes are defined by the layer that reports them, and together stay one stable, documented list.</summary>
public sealed class ErrorCodeTests
{
    private static IReadOnlyList<(string Name, ErrorCode Code)> AllCodes() =>
        new[] { typeof(ErrorCode), typeof(BuildErrors) }
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Static))
            .Where(p => p.PropertyType == typeof(ErrorCode))
            .Select(p => (p.Name, (ErrorCode)p.GetValue(null)!))
            .ToList();

    [Fact]
    public void The_engine_s_codes_keep_their_numbers()
    {
        Assert.Equal(
            ["IB2004", "IB2005", "IB2007", "IB2008", "IB2010", "IB2011", "IB2012"],
            new[]
            {
                BuildErrors.RunFailed, BuildErrors.CopyFailed, BuildErrors.UnknownUser, BuildErrors.StepSetupFailed, BuildErrors.SourceRefused,
                BuildErrors.TooManyLayers, BuildErrors.NetworkUnavailable,
            }
                .Select(c => c.Id()));
    }

    [Fact]
    public void Every_code_is_defined_once_and_listed_under_its_name_in_errors_md()
    {
        var codes = AllCodes();
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "errors.md"));

        Assert.True(codes.Count >= 30, $"only {codes.Count} codes found");
        Assert.Equal(codes.Count, codes.Select(c => c.Code).Distinct().Count());
        Assert.All(codes, c => Assert.Contains($"| {c.Code.Id()} | {c.Name} |", doc));
    }
}

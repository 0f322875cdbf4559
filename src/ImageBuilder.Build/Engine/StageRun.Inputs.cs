using System.Text;
using ImageBuilder.Core.Hashing;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    // How many of the stage's steps that change files came before the one now running: its
    // identity (an ENV or LABEL added before it does not move it) and whether its parent is the base.
    private int fileSteps;

    /// <summary>
    /// The step's inputs now, beside what the store remembers of its last build at the same place
    /// (same Dockerfile, platform, stage and position); null when the build keeps none
    /// (<see cref="EngineOptions.StepScope"/>).
    /// </summary>
    private RememberedStep? Remembered(StepPlan step, LayerChain chain, Digest key, byte[][] keyParts, Dictionary<string, string>? files)
    {
        if (shared.Options.StepScope is not { } scope)
        {
            return null;
        }

        var identity = StepHistory.Identity(scope, stage, fileSteps);
        var sources = Convert.ToHexStringLower(Sha256.Hash(keyParts.SelectMany(p => Sha256.Hash(p)).ToArray()));

        // Only digests of the instruction (it may hold an arg's value, a URL's credentials) and of
        // the values of args that look like secrets: what a miss compares, never the text itself.
        var args = step.Args.ToDictionary(a => a.Key, a => SecretNames.LooksSecret(a.Key) ? StepInputs.Hidden(a.Value) : a.Value, StringComparer.Ordinal);
        var now = new StepInputs(
            key.ToString(), chain.Key.ToString(), BaseText(), fileSteps == 0, Convert.ToHexStringLower(Sha256.Hash(step.Describe())),
            args, sources, files is { Count: > 0 } ? files : null);
        return new RememberedStep(Store, identity, StepInputs.TryParse(Store.FindStepInputs(identity)), now);
    }

    private string BaseText() => stage.Base switch
    {
        ImageBase image => image.Image.ManifestDigest.ToString(),
        StageOutputBase other => $"stage {other.StageIndex}",
        _ => "scratch",
    };

    /// <summary>A step's inputs now and at its last build: why it misses, and keeping the new ones once it is done.</summary>
    private sealed class RememberedStep(ContentStore store, Digest identity, StepInputs? previous, StepInputs now)
    {
        public string? MissReason(string keyword, bool noCache) => previous is null ? null : Engine.MissReason.Explain(previous, now, keyword, noCache);

        /// <summary>
        /// Stores the inputs (with <paramref name="seconds"/>, how long the step ran; a hit keeps the
        /// time of the run before), unless the store already holds these (a hit of the same key).
        /// </summary>
        public void Keep(double? seconds = null)
        {
            if (seconds is not null || previous?.Key != now.Key || previous.Files?.Count != now.Files?.Count)
            {
                var kept = now with { Seconds = seconds ?? (previous?.Key == now.Key ? previous.Seconds : null) };
                store.WriteStepInputs(identity, kept.ToJson());
            }
        }
    }
}

/// <summary>What the store remembers of a step's last build at its place (for <c>ibuild graph</c>: how long it ran).</summary>
public static class StepHistory
{
    /// <summary>A step's place: the build's <see cref="EngineOptions.StepScope"/>, its stage (name, else index) and its index among the stage's steps that change files.</summary>
    public static Digest Identity(string scope, StagePlan stage, int fileStepIndex) =>
        Digest.Parse("sha256:" + Convert.ToHexStringLower(Sha256.Hash(Encoding.UTF8.GetBytes(
            $"step inputs 2\n{scope}\n{stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n{fileStepIndex}"))));

    /// <summary>
    /// The scope a build keeps its steps under: the Dockerfile's full path (one read from standard
    /// input is the context's <c>-</c>) and <paramref name="platform"/>.
    /// </summary>
    public static string Scope(string contextDir, string? dockerfilePath, Platform platform) =>
        $"{Path.GetFullPath(dockerfilePath ?? Path.Combine(contextDir, "-"))} {platform}";

    /// <summary>The step's inputs at its last build, or null.</summary>
    public static StepInputs? Last(ContentStore store, string scope, StagePlan stage, int fileStepIndex) =>
        StepInputs.TryParse(store.FindStepInputs(Identity(scope, stage, fileStepIndex)));
}

using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The cache keys the engine would look up for a plan's steps, computed without running or reading
/// anything (<c>ibuild graph</c>), with the engine's own <see cref="StageRun.KeyOf(Digest?, byte[][])"/>
/// and the same parts as <see cref="StageRun"/>: a base's key, each step's description, and what the
/// engine adds per step — nothing for config steps, WORKDIR, and RUN without a bind mount; a stage's or
/// image's key for COPY --from and a bind mount from=; the main context's checksum of a COPY's sources
/// when the caller can give it. A key that needs what only a build reads is null, and so is every key
/// after it in its stage: a bind mount of a context, a named context's files, a URL's or a git ref's
/// content, an image the store does not have.
/// </summary>
public static class CacheKeyPreview
{
    /// <summary>For each planned stage (by index), each step's key, or null where it is not known.</summary>
    /// <param name="known">Whether an image is the store's (a stand-in for one it lacks has no key).</param>
    /// <param name="contextChecksum">
    /// The main build context's checksum of a COPY's sources, as the engine takes it
    /// (<see cref="Context.BuildContext.Checksum"/>), or null when it cannot be had; without it such a step's key is not known.
    /// </param>
    public static IReadOnlyDictionary<int, IReadOnlyList<Digest?>> Keys(
        BuildPlan plan, Func<BaseImage, bool> known, Func<IReadOnlyList<string>, Digest?>? contextChecksum = null)
    {
        var finals = new Dictionary<int, Digest?>();
        var keys = new Dictionary<int, IReadOnlyList<Digest?>>();
        foreach (var stage in plan.Stages)
        {
            var chain = stage.Base switch
            {
                ScratchBase => StageRun.KeyOf($"scratch {stage.Platform}"),
                ImageBase image => ImageKey(image.Image, known),
                StageOutputBase other => finals.GetValueOrDefault(other.StageIndex),
                _ => null,
            };
            var stepKeys = new List<Digest?>();
            foreach (var step in stage.Steps)
            {
                var parts = chain is null ? null : KeyParts(step, finals, known, contextChecksum);
                Digest? key = parts is null ? null : StageRun.KeyOf(chain, [step.Describe(), .. parts]);
                stepKeys.Add(key);

                // A config step's record keeps its history time; only a step that changes files moves the chain's key.
                chain = step is ConfigStep ? chain : key;
            }

            finals[stage.Index] = chain;
            keys[stage.Index] = stepKeys;
        }

        return keys;
    }

    private static Digest? ImageKey(BaseImage image, Func<BaseImage, bool> known) =>
        known(image) ? StageRun.KeyOf("image:" + image.ManifestDigest) : null;

    /// <summary>What the engine adds to the step's description in its key; null when only running the build tells.</summary>
    private static byte[][]? KeyParts(
        StepPlan step, Dictionary<int, Digest?> finals, Func<BaseImage, bool> known, Func<IReadOnlyList<string>, Digest?>? contextChecksum)
    {
        switch (step)
        {
            case ConfigStep or WorkdirStep:
                return [];
            case RunStep run:
                var parts = new List<byte[]>();
                foreach (var mount in run.Mounts.Where(m => m.Mount.Type == "bind"))
                {
                    switch (mount.From)
                    {
                        case StageSource stage when finals.GetValueOrDefault(stage.StageIndex) is { } stageKey:
                            parts.Add(Encoding.UTF8.GetBytes(stageKey.ToString()));
                            break;
                        case ImageSource image when known(image.Image):
                            break;
                        default:
                            return null;
                    }
                }

                return [.. parts];
            case CopyStep copy when copy.Repositories.Count > 0 || (copy.IsAdd && copy.Sources.Any(RemoteSource.IsUrl)):
                return null;
            case CopyStep { Source: ContextSource context } copy:
                // A heredoc alone reads no context: the engine adds an empty part.
                return copy.Sources.Count == 0 ? [[]]
                    : context.Name is null && contextChecksum?.Invoke(copy.Sources) is { } checksum ? [Encoding.UTF8.GetBytes(checksum.ToString())]
                    : null;
            case CopyStep copy:
                var from = copy.Source switch
                {
                    StageSource stage => finals.GetValueOrDefault(stage.StageIndex),
                    ImageSource image => ImageKey(image.Image, known),
                    _ => null,
                };
                return from is { } key ? [Encoding.UTF8.GetBytes(key.ToString())] : null;
            default:
                return null;
        }
    }
}

using System.Text;
using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Application.Provenance;

/// <summary>What mode=max adds: the steps, the Dockerfile and where each step is in it, each step's layers.</summary>
public static partial class ProvenanceStatement
{
    /// <summary>
    /// <c>internalParameters.buildConfig</c>: BuildKit lists its LLB definition there; ibuild has
    /// no LLB, so it lists its own steps under <c>steps</c> (id, stage, platform, the step as the
    /// image history says it, inputs).
    /// </summary>
    private static void WriteBuildConfig(Utf8JsonWriter json, IReadOnlyList<ProvenanceStep> steps)
    {
        json.WriteStartObject("buildConfig");
        json.WriteStartArray("steps");
        foreach (var step in steps)
        {
            json.WriteStartObject();
            json.WriteString("id", step.Id);
            json.WriteString("stage", step.Stage.Name ?? step.Stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("platform", step.Stage.Platform.ToString());
            json.WriteString("instruction", step.Step.Instruction.Keyword);
            json.WriteString("createdBy", step.Step.CreatedBy);
            if (step.Inputs.Count > 0)
            {
                json.WriteStartArray("inputs");
                foreach (var input in step.Inputs)
                {
                    json.WriteStringValue(input);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>buildkit_metadata.source</c>: each step's lines in the Dockerfile, and the Dockerfile itself (base64, as Go writes bytes).</summary>
    private static void WriteSource(Utf8JsonWriter json, ProvenanceFacts facts, IReadOnlyList<ProvenanceStep> steps)
    {
        json.WriteStartObject("source");
        json.WriteStartObject("locations");
        foreach (var step in steps)
        {
            var span = step.Step.Instruction.Span;
            json.WriteStartObject(step.Id);
            json.WriteStartArray("locations");
            json.WriteStartObject();
            json.WriteStartArray("ranges");
            json.WriteStartObject();
            json.WriteStartObject("start");
            json.WriteNumber("line", span.StartLine);
            json.WriteEndObject();
            json.WriteStartObject("end");
            json.WriteNumber("line", span.EndLine);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartArray("infos");
        json.WriteStartObject();
        json.WriteString("filename", facts.DockerfileName);
        json.WriteString("language", "Dockerfile");
        json.WriteBase64String("data", Encoding.UTF8.GetBytes(facts.DockerfileText));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>buildkit_metadata.layers</c>: for each step of the target's stages that made a layer of
    /// the image, <c>"stepN:0"</c> → the image's layers up to and including it (as shipped). Steps
    /// are matched to the image history from its end, by their history text.
    /// </summary>
    private static void WriteLayers(Utf8JsonWriter json, Planning.BuildPlan plan, IReadOnlyList<ProvenanceStep> steps, ImageRecord subject)
    {
        var chain = ProvenanceSteps.TargetChain(plan);
        var ordered = steps.Where(s => chain.Contains(s.Stage)).ToList();
        var history = subject.Config.History ?? [];
        var layerOf = new int[history.Count];
        for (int i = 0, layer = 0; i < history.Count; i++)
        {
            layerOf[i] = history[i].EmptyLayer ? -1 : layer++;
        }

        var found = new List<(string Id, int Layer)>();
        for (int h = history.Count - 1, s = ordered.Count - 1; h >= 0 && s >= 0; s--)
        {
            if (history[h].CreatedBy == ordered[s].Step.CreatedBy)
            {
                if (layerOf[h] >= 0 && layerOf[h] < subject.Manifest.Layers.Count)
                {
                    found.Add((ordered[s].Id, layerOf[h]));
                }

                h--;
            }
        }

        if (found.Count == 0)
        {
            return;
        }

        json.WriteStartObject("layers");
        foreach (var (id, layer) in found.OrderBy(f => f.Layer))
        {
            json.WriteStartArray(id + ":0");
            json.WriteStartArray();
            foreach (var descriptor in subject.Manifest.Layers.Take(layer + 1))
            {
                WriteDescriptor(json, descriptor);
            }

            json.WriteEndArray();
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteDescriptor(Utf8JsonWriter json, Descriptor descriptor)
    {
        json.WriteStartObject();
        json.WriteString("mediaType", descriptor.MediaType);
        json.WriteString("digest", descriptor.Digest.ToString());
        json.WriteNumber("size", descriptor.Size);
        json.WriteEndObject();
    }
}

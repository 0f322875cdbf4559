namespace ImageBuilder.IntegrationTests;

/// <summary>Tests that must not overlap any other test: xunit runs this collection after the parallel ones, by itself.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}

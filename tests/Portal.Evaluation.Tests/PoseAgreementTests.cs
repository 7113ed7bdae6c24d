using Portal.Evaluation.Pose;
using static Portal.Evaluation.Pose.PoseAgreement;

namespace Portal.Evaluation.Tests;

public class PoseAgreementTests
{
    [Fact]
    public void Pair_MatchesThePersonAtTheSamePlace_WhateverOrderTheTracksCameIn()
    {
        // The second side saw an extra short-lived person first, so its tracks are listed (and numbered) differently.
        Window[] first = [new(0, 100, 100, "walk"), new(0, 400, 120, "wave"), new(1000, 402, 118, "wave")];
        Window[] second = [new(0, 900, 50, "sit"), new(0, 398, 121, "clap"), new(0, 103, 99, "walk"), new(1000, 405, 119, "wave")];

        var pairs = Pair(first, second, maxDistance: 20, startGapBelowMs: 1);

        Assert.Equal(3, pairs.Count);
        Assert.Contains(pairs, p => p.First == first[0] && p.Second == second[2]);
        Assert.Contains(pairs, p => p.First == first[1] && p.Second == second[1]);
        Assert.Contains(pairs, p => p.First == first[2] && p.Second == second[3]);
        Assert.Equal(2, pairs.Count(p => p.First.Label == p.Second.Label));
    }

    [Fact]
    public void Pair_LeavesAloneWindowsTooFarApartOrStartingAtAnotherTime()
    {
        Window[] first = [new(0, 100, 100, "walk"), new(1000, 100, 100, "walk")];
        Window[] second = [new(0, 150, 100, "walk"), new(2000, 100, 100, "walk")];

        Assert.Empty(Pair(first, second, maxDistance: 20, startGapBelowMs: 1));
    }

    [Fact]
    public void Pair_UsesEachWindowOnce_NearestFirst()
    {
        Window[] first = [new(0, 100, 100, "a"), new(0, 110, 100, "b")];
        Window[] second = [new(0, 108, 100, "b")];

        var pair = Assert.Single(Pair(first, second, maxDistance: 20, startGapBelowMs: 1));
        Assert.Equal("b", pair.First.Label);
    }

    [Fact]
    public void Pair_MatchesAPersonsWindowsThatStartAFrameApart_ButNotTheNextWindow()
    {
        // The second side found the person one frame (100 ms) later, so each of its windows starts 100 ms after the
        // first side's; the stride is 1 s, so a window is within half a stride of one window only.
        Window[] first = [new(0, 100, 100, "walk"), new(1000, 100, 100, "walk"), new(2000, 100, 100, "run")];
        Window[] second = [new(100, 102, 100, "walk"), new(1100, 102, 100, "wave"), new(2100, 102, 100, "run")];

        var pairs = Pair(first, second, maxDistance: 20, startGapBelowMs: 500);

        Assert.Equal([(0L, 100L), (1000L, 1100L), (2000L, 2100L)], pairs.Select(p => (p.First.StartMs, p.Second.StartMs)).OrderBy(p => p.Item1));
        Assert.Empty(Pair(first, second, maxDistance: 20, startGapBelowMs: 1));
    }

    [Fact]
    public void Pair_PrefersTheClosestStart_OverTheNearestPlace()
    {
        // Two windows of the second side within reach of one window: the one at the same start wins though a little
        // farther away.
        Window[] first = [new(1000, 100, 100, "walk")];
        Window[] second = [new(600, 100, 100, "a"), new(1000, 110, 100, "b")];

        var pair = Assert.Single(Pair(first, second, maxDistance: 20, startGapBelowMs: 500));
        Assert.Equal("b", pair.Second.Label);
    }
}

using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;

namespace Serfiq.Tests
{
    /// <summary>Capture across threads: captures on their own threads over one shared model follow the
    /// shared sequence as examples/c/capture.c did; a capture that another thread is using refuses the
    /// call (<see cref="Status.InvalidArgument"/>: Capture takes no lock of its own, its calls reach the
    /// library together) and works afterwards.</summary>
    [TestFixture]
    public class CaptureThreadsTests
    {
        [Test]
        public void CapturesOnFourThreadsShareOneModel()
        {
            List<ImageView> frames = CaptureTests.Frames();
            List<string> expected = CaptureTests.Reference();
            const int Threads = 4;
            var lines = new List<string>[Threads];
            var errors = new Exception[Threads];
            var threads = new Thread[Threads];
            int ready = 0, inPush = 0, peak = 0;
            using (QualityModel model = CaptureTests.LiveModel())
            {
                for (int t = 0; t < Threads; t++)
                {
                    int me = t;
                    threads[t] = new Thread(() =>
                    {
                        try
                        {
                            using (var capture = new Capture(model))
                            {
                                Interlocked.Increment(ref ready);
                                while (Volatile.Read(ref ready) < Threads) Thread.Yield(); // start together
                                var mine = new List<string>();
                                for (int i = 0; i < frames.Count; i++)
                                {
                                    int now = Interlocked.Increment(ref inPush);
                                    for (int seen = Volatile.Read(ref peak); now > seen;)
                                    {
                                        int was = Interlocked.CompareExchange(ref peak, now, seen);
                                        if (was == seen) break;
                                        seen = was;
                                    }
                                    CaptureFrame f = capture.Push(frames[i], 40L * i);
                                    Interlocked.Decrement(ref inPush);
                                    mine.Add(CaptureTests.Line(f));
                                }
                                mine.Add(CaptureTests.BestLine(capture.Best(PixelFormat.Rgb)));
                                lines[me] = mine;
                            }
                        }
                        catch (Exception e)
                        {
                            errors[me] = e;
                        }
                    });
                    threads[t].Start();
                }
                foreach (Thread th in threads) th.Join();
            }
            for (int t = 0; t < Threads; t++)
            {
                Assert.That(errors[t], Is.Null, "thread " + t);
                Assert.That(lines[t], Is.EqualTo(expected), "thread " + t);
            }
            Assert.That(peak, Is.AtLeast(2), "the pushes never overlapped");
        }

        [Test]
        public void ABusyCaptureRefusesAnotherThread()
        {
            // One thread pushes frames (at most 200) until this thread was refused; this thread asks for
            // the best frame while the pushes run. Either side may be refused (a push that starts while
            // Best runs is too): always with InvalidArgument, never anything else.
            const int MaxPushes = 200;
            List<ImageView> frames = CaptureTests.Frames();
            List<string> expected = CaptureTests.Reference();
            expected.RemoveAt(expected.Count - 1);
            using (QualityModel model = CaptureTests.LiveModel())
            using (var capture = new Capture(model))
            {
                int started = 0, stop = 0, done = 0, pushes = 0;
                Exception pusherError = null;
                var pusher = new Thread(() =>
                {
                    try
                    {
                        for (int i = 0; i < MaxPushes && Volatile.Read(ref stop) == 0; i++)
                        {
                            Volatile.Write(ref started, 1);
                            try
                            {
                                capture.Push(frames[i % frames.Count], 40L * i);
                                Interlocked.Increment(ref pushes);
                            }
                            catch (SerfiqException e) when (e.Status == Status.InvalidArgument)
                            {
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        pusherError = e;
                    }
                    finally
                    {
                        Volatile.Write(ref done, 1);
                    }
                });
                pusher.Start();
                while (Volatile.Read(ref started) == 0) Thread.Yield();
                int refusals = 0;
                string message = "";
                SerfiqException unexpected = null;
                while (Volatile.Read(ref done) == 0)
                {
                    try
                    {
                        capture.Best(PixelFormat.Rgb);
                    }
                    catch (SerfiqException e)
                    {
                        if (e.Status == Status.InvalidArgument)
                        {
                            refusals++;
                            message = e.Message;
                        }
                        else
                        {
                            unexpected = e;
                        }
                        Volatile.Write(ref stop, 1);
                    }
                }
                pusher.Join();
                Assert.That(unexpected, Is.Null);
                Assert.That(pusherError, Is.Null);
                Assert.That(refusals, Is.AtLeast(1), "Best was never refused during " + pushes + " pushes");
                StringAssert.Contains("another thread", message);

                // The capture still works: after a reset, the sequence gives the C reference again.
                capture.Reset();
                Assert.That(CaptureTests.Run(capture, frames), Is.EqualTo(expected));
            }
        }
    }
}

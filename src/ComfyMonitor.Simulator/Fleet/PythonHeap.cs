namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// Python's heapq on a list, step for step, because /queue shows the server's heap as it is in memory
/// (queue_pending is neither sorted nor in insertion order).
/// </summary>
internal static class PythonHeap
{
    public static void Push<T>(List<T> heap, T item, Func<T, T, bool> less)
    {
        heap.Add(item);
        SiftDown(heap, 0, heap.Count - 1, less);
    }

    public static T Pop<T>(List<T> heap, Func<T, T, bool> less)
    {
        var last = heap[^1];
        heap.RemoveAt(heap.Count - 1);
        if (heap.Count == 0)
        {
            return last;
        }

        var top = heap[0];
        heap[0] = last;
        SiftUp(heap, 0, less);
        return top;
    }

    public static void Heapify<T>(List<T> heap, Func<T, T, bool> less)
    {
        for (var i = (heap.Count / 2) - 1; i >= 0; i--)
        {
            SiftUp(heap, i, less);
        }
    }

    // heapq._siftdown: moves the item at pos up towards startpos while it is smaller than its parent.
    private static void SiftDown<T>(List<T> heap, int startPos, int pos, Func<T, T, bool> less)
    {
        var item = heap[pos];
        while (pos > startPos)
        {
            var parentPos = (pos - 1) >> 1;
            var parent = heap[parentPos];
            if (!less(item, parent))
            {
                break;
            }

            heap[pos] = parent;
            pos = parentPos;
        }

        heap[pos] = item;
    }

    // heapq._siftup: moves the smaller child up until a leaf is reached, then sifts the item down into place.
    private static void SiftUp<T>(List<T> heap, int pos, Func<T, T, bool> less)
    {
        var endPos = heap.Count;
        var startPos = pos;
        var item = heap[pos];
        var childPos = (2 * pos) + 1;
        while (childPos < endPos)
        {
            var rightPos = childPos + 1;
            if (rightPos < endPos && !less(heap[childPos], heap[rightPos]))
            {
                childPos = rightPos;
            }

            heap[pos] = heap[childPos];
            pos = childPos;
            childPos = (2 * pos) + 1;
        }

        heap[pos] = item;
        SiftDown(heap, startPos, pos, less);
    }
}

package regions

import (
	"fmt"
	"sort"
	"strings"
)

// fargateMemory lists, per CPU value in CPU units, the task memory sizes in MiB that Fargate
// accepts: the table "Task CPU and memory" in the Amazon ECS developer guide.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var values []int
	for value := from; value <= to; value += step {
		values = append(values, value)
	}
	return values
}

// ValidFargateSize reports whether Fargate accepts a task of the given CPU units and MiB.
func ValidFargateSize(cpu, memory int) bool {
	for _, allowed := range fargateMemory[cpu] {
		if allowed == memory {
			return true
		}
	}
	return false
}

func fargateCPUValues() string {
	values := make([]int, 0, len(fargateMemory))
	for cpu := range fargateMemory {
		values = append(values, cpu)
	}
	sort.Ints(values)
	return joinInts(values)
}

func fargateMemoryRange(cpu int) string {
	sizes := fargateMemory[cpu]
	if len(sizes) <= 3 {
		return joinInts(sizes)
	}
	return fmt.Sprintf("%d to %d in steps of %d", sizes[0], sizes[len(sizes)-1], sizes[1]-sizes[0])
}

func joinInts(values []int) string {
	texts := make([]string, len(values))
	for i, value := range values {
		texts[i] = fmt.Sprint(value)
	}
	return strings.Join(texts, ", ")
}

// chanbench runs the channel shapes of Benchmarks/Benchmarks/Channels (the "Go shapes" there)
// with Go's own channels, the same way: every measured iteration makes its channels and
// goroutines and moves 1,000 messages; 10 warm-up iterations, then iterations until 2 s or
// 2,000 iterations have run. It prints one JSON object per shape: the per-message wall-clock
// minimum and median (p50) in nanoseconds, and heap allocations per message (from
// runtime.MemStats, over the measured iterations).
//
// Run it with GOMAXPROCS=2 (scripts/bench-go.sh does): the machines have 2 cores.
//
//	go run Benchmarks/Go/chanbench.go [-filter SUBSTRING]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

const (
	messages       = 1000 // per measured iteration, as the Swift benchmarks' .kilo scaling
	bufferCapacity = 128
	taskCount      = 4
	warmup         = 10
	maxIterations  = 2000
	maxDuration    = 2 * time.Second
)

var sink int

// share is the range of messages producer p of taskCount sends when they send count in all.
func share(count, p int) (int, int) {
	return count * p / taskCount, count * (p + 1) / taskCount
}

func buffered1to1()   { oneToOne(make(chan int, bufferCapacity)) }
func rendezvous1to1() { oneToOne(make(chan int)) }

func oneToOne(c chan int) {
	go func() {
		for i := 0; i < messages; i++ {
			c <- i
		}
		close(c)
	}()
	sum := 0
	for v := range c {
		sum += v
	}
	sink += sum
}

func buffered4to4() {
	c := make(chan int, bufferCapacity)
	done := make(chan int)
	producersDone := make(chan struct{})
	for p := 0; p < taskCount; p++ {
		go func(p int) {
			from, to := share(messages, p)
			for i := from; i < to; i++ {
				c <- i
			}
			producersDone <- struct{}{}
		}(p)
	}
	go func() {
		for p := 0; p < taskCount; p++ {
			<-producersDone
		}
		close(c)
	}()
	for k := 0; k < taskCount; k++ {
		go func() {
			sum := 0
			for v := range c {
				sum += v
			}
			done <- sum
		}()
	}
	for k := 0; k < taskCount; k++ {
		sink += <-done
	}
}

// pingPong makes messages/2 round trips: each is two messages, the ping and the pong.
func pingPong() {
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	sum := 0
	for i := 0; i < messages/2; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	sink += sum
}

func selectOver4() {
	var cs [taskCount]chan int
	for p := range cs {
		cs[p] = make(chan int, bufferCapacity)
	}
	for p := 0; p < taskCount; p++ {
		go func(p int) {
			from, to := share(messages, p)
			for i := from; i < to; i++ {
				cs[p] <- i
			}
		}(p)
	}
	sum := 0
	for i := 0; i < messages; i++ {
		var v int
		select {
		case v = <-cs[0]:
		case v = <-cs[1]:
		case v = <-cs[2]:
		case v = <-cs[3]:
		}
		sum += v
	}
	sink += sum
}

type result struct {
	Name       string  `json:"name"`
	Iterations int     `json:"iterations"`
	MinNs      float64 `json:"min_ns"`
	P50Ns      float64 `json:"p50_ns"`
	MallocsPer float64 `json:"mallocs"`
}

func measure(name string, body func()) result {
	for i := 0; i < warmup; i++ {
		body()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var samples []float64
	start := time.Now()
	for len(samples) < maxIterations && time.Since(start) < maxDuration {
		t0 := time.Now()
		body()
		samples = append(samples, float64(time.Since(t0).Nanoseconds())/messages)
	}
	runtime.ReadMemStats(&after)
	sort.Float64s(samples)
	return result{
		Name:       name,
		Iterations: len(samples),
		MinNs:      samples[0],
		P50Ns:      samples[len(samples)/2],
		// The samples slice itself grows a few times: noise well below 0.01 per message.
		MallocsPer: float64(after.Mallocs-before.Mallocs) / float64(len(samples)*messages),
	}
}

func main() {
	filter := flag.String("filter", "", "run only the shapes whose name contains this")
	flag.Parse()
	shapes := []struct {
		name string
		body func()
	}{
		{"Buffered 1->1", buffered1to1},
		{"Rendezvous 1->1", rendezvous1to1},
		{"Ping-pong", pingPong},
		{"Buffered 4->4", buffered4to4},
		{"Select over 4", selectOver4},
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	for _, shape := range shapes {
		if !strings.Contains(shape.name, *filter) {
			continue
		}
		if err := encoder.Encode(measure(shape.name, shape.body)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

package regions

import (
	"fmt"
	"math"
)

// The constants below are the assumptions of EstimateCapacity. Every one of them is an estimate
// for a JSON API that reads and writes single records by key, not a measurement of this
// platform's services. Replace them with load-test results once the services exist.
const (
	// PeakFactor is the estimated ratio of the busiest hour's request rate to the 24-hour
	// average. Traffic from a customer portal and dealerships follows office and waking hours,
	// so most of a day's requests arrive in about a third of it.
	PeakFactor = 3.0

	// HeadroomFactor is how many times the estimated peak the configured maximums must carry, so
	// a peak twice as high as estimated is still served while autoscaling catches up.
	HeadroomFactor = 2.0

	// RequestsPerVCPU is the estimated number of requests per second that one vCPU of a domain's
	// service handles at 100% CPU. ECS counts 1024 CPU units as one vCPU.
	RequestsPerVCPU = 100.0

	// RequestsPerACU is the estimated number of API requests per second that one Aurora capacity
	// unit serves, taking about two indexed queries per request.
	RequestsPerACU = 50.0

	// BytesPerRecord is the estimated size of one record in Aurora, with its indexes and row
	// overhead.
	BytesPerRecord = 2048

	// HotDataFraction is the estimated share of a domain's data that requests touch often enough
	// that it must stay in memory.
	HotDataFraction = 0.10

	// CacheBytesPerACU is the memory of one ACU that serves as cache. Each ACU has about 2 GiB
	// of memory ("Requirements and limitations for Aurora Serverless v2", Aurora user guide), and
	// an estimated three quarters of it is left for shared buffers and the page cache.
	CacheBytesPerACU = 1.5 * (1 << 30)

	// secondsPerDay converts daily requests to an average rate.
	secondsPerDay = 24 * 60 * 60

	// maxACUs is the largest Serverless v2 capacity Aurora accepts.
	maxACUs = 256
)

// CapacityEstimate is the capacity a domain needs by the assumptions above. Every number in it is
// an estimate.
type CapacityEstimate struct {
	// AverageRequestsPerSecond is the domain's daily requests spread over 24 hours.
	AverageRequestsPerSecond float64
	// PeakRequestsPerSecond is AverageRequestsPerSecond times PeakFactor.
	PeakRequestsPerSecond float64
	// DataBytes is the size of the domain's records in Aurora.
	DataBytes float64
	// HotDataBytes is the part of DataBytes that must stay in memory.
	HotDataBytes float64

	// RequestsPerTask is the request rate one task handles while autoscaling holds its CPU at the
	// service's target utilization.
	RequestsPerTask float64
	// MinTasks is the number of tasks that carries the daily average at the target utilization,
	// and at least 2 so a task runs in each of two zones.
	MinTasks int
	// MaxTasks is the number of tasks that carries HeadroomFactor times the peak at the target
	// utilization.
	MaxTasks int

	// PeakACUs is the writer's capacity at the peak: enough for the peak request rate and for the
	// hot data, whichever is larger.
	PeakACUs float64
	// MinACUs is the capacity that keeps the hot data in memory and carries the daily average,
	// rounded up to a step of 0.5 ACUs.
	MinACUs float64
	// MaxACUs is HeadroomFactor times PeakACUs, rounded up to a step of 0.5 ACUs. It can exceed the
	// 256 ACUs Aurora allows, which means the domain is too large for one cluster.
	MaxACUs float64
}

// EstimateCapacity derives a domain's Aurora Serverless v2 range and its ECS task counts from its
// records, its daily requests and the CPU of its tasks.
//
// The estimate assumes the writer instance carries every request, because the service connects
// to the cluster (writer) endpoint and the readers exist for failover. It assumes that requests
// spread evenly over a domain's tasks, which the load balancer does.
//
// A task's CPU or target utilization of zero gives RequestsPerTask 0 and task counts of 0; the
// validation reports those fields before it compares capacity.
func EstimateCapacity(domain Domain) CapacityEstimate {
	var estimate CapacityEstimate
	estimate.AverageRequestsPerSecond = float64(domain.DailyRequests) / secondsPerDay
	estimate.PeakRequestsPerSecond = estimate.AverageRequestsPerSecond * PeakFactor
	estimate.DataBytes = float64(domain.Records) * BytesPerRecord
	estimate.HotDataBytes = estimate.DataBytes * HotDataFraction

	vCPUs := float64(domain.Service.CPU) / 1024
	estimate.RequestsPerTask = RequestsPerVCPU * vCPUs * float64(domain.Service.TargetCPUPercent) / 100
	if estimate.RequestsPerTask > 0 {
		estimate.MinTasks = max(2, tasksFor(estimate.AverageRequestsPerSecond, estimate.RequestsPerTask))
		estimate.MaxTasks = tasksFor(HeadroomFactor*estimate.PeakRequestsPerSecond, estimate.RequestsPerTask)
	}

	hotACUs := estimate.HotDataBytes / CacheBytesPerACU
	estimate.PeakACUs = math.Max(estimate.PeakRequestsPerSecond/RequestsPerACU, hotACUs)
	estimate.MinACUs = roundUpToHalf(math.Max(hotACUs, estimate.AverageRequestsPerSecond/RequestsPerACU))
	estimate.MaxACUs = roundUpToHalf(HeadroomFactor * estimate.PeakACUs)
	return estimate
}

// tasksFor returns the tasks that handle a request rate, at least 1.
func tasksFor(requestsPerSecond, requestsPerTask float64) int {
	return max(1, int(math.Ceil(requestsPerSecond/requestsPerTask)))
}

// roundUpToHalf rounds ACUs up to the 0.5 steps Serverless v2 accepts, at least 0.5.
func roundUpToHalf(acus float64) float64 {
	return math.Max(0.5, math.Ceil(acus*2)/2)
}

// validateHeadroom rejects a domain whose maximum task count or Aurora capacity cannot carry
// HeadroomFactor times its estimated peak. It runs only on fields that are valid on their own, so
// a wrong CPU value is reported once, by validateService.
func validateHeadroom(path string, domain Domain, problems *Errors) {
	if domain.Records <= 0 || domain.DailyRequests <= 0 {
		return
	}
	estimate := EstimateCapacity(domain)
	service := domain.Service
	serviceValid := ValidFargateSize(service.CPU, service.Memory) &&
		service.TargetCPUPercent >= 10 && service.TargetCPUPercent <= 90 &&
		service.MaxTasks >= service.MinTasks && service.MaxTasks <= 1000
	if serviceValid && service.MaxTasks < estimate.MaxTasks {
		problems.add(path+".service.maxTasks", fmt.Sprint(service.MaxTasks),
			fmt.Sprintf("cannot carry %vx the estimated peak of %.0f requests per second (an estimated %.0f per task of %d CPU units at %d%% CPU)",
				HeadroomFactor, estimate.PeakRequestsPerSecond, estimate.RequestsPerTask, service.CPU, service.TargetCPUPercent),
			fmt.Sprintf("set maxTasks to at least %d, or give each task more cpu", estimate.MaxTasks))
	}

	database := domain.Database
	if database.MaxCapacity >= 1 && database.MaxCapacity <= maxACUs && database.MaxCapacity < estimate.MaxACUs {
		fix := fmt.Sprintf("set maxCapacity to at least %v", estimate.MaxACUs)
		if estimate.MaxACUs > maxACUs {
			fix = fmt.Sprintf("split the domain: it needs an estimated %v ACUs, more than the %d of one Aurora Serverless v2 instance",
				estimate.MaxACUs, maxACUs)
		}
		problems.add(path+".database.maxCapacity", fmt.Sprint(database.MaxCapacity),
			fmt.Sprintf("cannot carry %vx the estimated peak of %.1f ACUs (%.0f requests per second, %.1f GiB of hot data)",
				HeadroomFactor, estimate.PeakACUs, estimate.PeakRequestsPerSecond, estimate.HotDataBytes/(1<<30)),
			fix)
	}
}

// validateGatewayHeadroom rejects an Apigee rate limit below HeadroomFactor times the busiest
// domain's estimated peak. API Gateway applies per-stage throttling limits to each method of the
// stage ("How throttling limit settings are applied", API Gateway developer guide). Every domain
// is one ANY method, so the limit must carry the busiest domain.
func validateGatewayHeadroom(stack Stack, rateLimit float64, problems *Errors) {
	busiest, busiestIndex := 0.0, -1
	for i, domain := range stack.Domains {
		if domain.DailyRequests <= 0 {
			continue
		}
		if peak := EstimateCapacity(domain).PeakRequestsPerSecond; peak > busiest {
			busiest, busiestIndex = peak, i
		}
	}
	if busiestIndex < 0 || rateLimit >= HeadroomFactor*busiest {
		return
	}
	problems.add("gateway.apigee.rateLimit", fmt.Sprint(rateLimit),
		fmt.Sprintf("cannot carry %vx the estimated peak of %.0f requests per second of domains[%d] (%s)",
			HeadroomFactor, busiest, busiestIndex, stack.Domains[busiestIndex].Name),
		fmt.Sprintf("set rateLimit to at least %.0f", math.Ceil(HeadroomFactor*busiest)))
}

# Production: sized for 250 QPS with headroom (docs/DEPLOYMENT.md, "Sizing and cost").
environment        = "prod"
region             = "us-east-1"
vpc_cidr           = "10.20.0.0/16"
az_count           = 3
single_nat_gateway = false

node_instance_type = "c7i.xlarge" # 4 vCPU, 8 GiB, $0.1785/h on demand
node_min_size      = 4
node_desired_size  = 5
node_max_size      = 12

postgres_major_version = 17
rds_instance_class     = "db.r6g.xlarge" # 4 vCPU, 32 GiB: HNSW index + hot rows in RAM
rds_multi_az           = true
rds_storage_gb         = 200
rds_max_storage_gb     = 1000
rds_max_connections    = 1000
deletion_protection    = true

redis_node_type = "cache.m6g.large"
redis_replicas  = 1

msk_broker_count         = 3
msk_broker_instance_type = "kafka.m7g.large"
msk_broker_volume_gb     = 100
kafka_partitions         = 6
kafka_replication_factor = 3

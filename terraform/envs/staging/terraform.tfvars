# Staging: the same architecture, smallest sensible sizes, two zones.
environment        = "staging"
region             = "us-east-1"
vpc_cidr           = "10.10.0.0/16"
az_count           = 2
single_nat_gateway = true

node_instance_type = "c7i.large" # 2 vCPU, 4 GiB, $0.08925/h on demand
node_min_size      = 2
node_desired_size  = 2
node_max_size      = 4

postgres_major_version = 17
rds_instance_class     = "db.t4g.medium"
rds_multi_az           = false
rds_storage_gb         = 50
rds_max_storage_gb     = 200
rds_max_connections    = 300
deletion_protection    = false

redis_node_type = "cache.t4g.small"
redis_replicas  = 0

msk_broker_count         = 2
msk_broker_instance_type = "kafka.t3.small"
msk_broker_volume_gb     = 20
kafka_partitions         = 6
kafka_replication_factor = 2

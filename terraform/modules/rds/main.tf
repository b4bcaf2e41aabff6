# RDS for PostgreSQL (>= 16) with pgvector. pgvector is an RDS-supported extension: the first
# migration runs CREATE EXTENSION vector as the master user (rds_superuser). RDS cannot load
# TimescaleDB (not on the RDS extension list), so the schema uses plain/partitioned tables.
# The master password is generated and rotated by RDS in Secrets Manager (never in Terraform state).

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "EKS nodes and pods"
}

resource "aws_db_parameter_group" "this" {
  name        = "${var.name}-pg${var.engine_major_version}"
  family      = "postgres${var.engine_major_version}"
  description = "Leadpoet PostgreSQL ${var.engine_major_version} (pgvector, TLS only)"

  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name         = "max_connections"
    value        = tostring(var.max_connections)
    apply_method = "pending-reboot"
  }
  # HNSW index builds over 1M x 256-d vectors want a large maintenance_work_mem (kB).
  parameter {
    name  = "maintenance_work_mem"
    value = tostring(var.maintenance_work_mem_mb * 1024)
  }
  parameter {
    name  = "work_mem"
    value = "16384"
  }
  parameter {
    name  = "random_page_cost"
    value = "1.1"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "250"
  }
  parameter {
    name  = "idle_in_transaction_session_timeout"
    value = "60000"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  username       = var.master_username
  port           = 5432

  manage_master_user_password = true

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false

  backup_retention_period             = var.backup_retention_days
  backup_window                       = "03:00-03:30"
  maintenance_window                  = "sun:04:00-sun:05:00"
  auto_minor_version_upgrade          = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = !var.deletion_protection
  final_snapshot_identifier           = var.deletion_protection ? "${var.name}-final" : null
  copy_tags_to_snapshot               = true
  performance_insights_enabled        = true
  monitoring_interval                 = 0
  iam_database_authentication_enabled = false

  enabled_cloudwatch_logs_exports = ["postgresql"]
  tags                            = var.tags
}
